export interface ShutdownOptions {
  /**
   * Called on a second signal: finish sooner without losing anything (the gateway stops its
   * requests in flight instead of waiting for them; their log records are still written).
   * Without it, a second signal exits at once.
   */
  hurry?: () => void;
  /** A signal within this long of the one before is the same one delivered twice, and ignored. */
  repeatWithinMs?: number;
}

/** One Ctrl-C under `npm start` arrives twice within microseconds; a person's second press takes longer. */
const REPEAT_WITHIN_MS = 1_000;

/**
 * Runs `close` once on SIGTERM/SIGINT, then exits. The same signal may arrive twice for one
 * request to stop: Ctrl-C reaches every process of the terminal's foreground group, and npm
 * forwards the SIGINT it got to the gateway as well (when its shell execs node, as bash does). A
 * signal right after another is therefore ignored: exiting on it cut every stream in flight and
 * lost every log record not yet written. A later second signal hurries the shutdown (`hurry`); a
 * third exits at once, for the operator who does not want to wait.
 */
export function onShutdownSignal(close: (signal: string) => Promise<void>, options: ShutdownOptions = {}): void {
  const repeatWithinMs = options.repeatWithinMs ?? REPEAT_WITHIN_MS;
  let signals = 0;
  let lastAt = 0;
  const handler = (signal: NodeJS.Signals): void => {
    const now = performance.now();
    if (signals > 0 && now - lastAt < repeatWithinMs) return;
    lastAt = now;
    signals++;
    if (signals === 2 && options.hurry) {
      console.log(`moongate: ${signal} received again: stopping the requests in flight now; their log records are still written (a third signal exits at once)`);
      options.hurry();
      return;
    }
    if (signals > 1) return process.exit(1);
    close(signal).then(
      // An internal error while closing has set exit code 1 (fatal-error.ts): a clean stop it was not.
      () => process.exit(process.exitCode ?? 0),
      (err: unknown) => {
        console.error(`moongate: error while shutting down: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
