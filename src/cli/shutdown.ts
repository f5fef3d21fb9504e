/**
 * Runs `close` once on SIGTERM/SIGINT, then exits. A second signal exits at once, for the
 * operator who does not want to wait.
 */
export function onShutdownSignal(close: (signal: string) => Promise<void>): void {
  let closing = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (closing) process.exit(1);
    closing = true;
    close(signal).then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`moongate: error while shutting down: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
