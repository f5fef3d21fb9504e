import { describeError } from '../server/internal-error-report.js';

export interface FatalErrorOptions {
  /** How long stopping may take before the process exits anyway. */
  giveUpMs?: number;
  /** Later errors reported while stopping (the same bug may fire once per request in flight). */
  reportAtMost?: number;
}

/**
 * An error nothing caught (a bug, in the gateway or a library) leaves the process in a state no
 * one planned for, so it must not go on serving. Node's default is to exit at once, which loses
 * every log record still queued for the store: the charges of requests already answered. Instead
 * `stop` runs once (it ends the requests in flight, whose records are still written, and writes
 * every queued record), then the process exits with status 1. Errors while stopping are reported
 * but do not stop the stopping; past `giveUpMs` the process exits regardless.
 */
export function onFatalError(stop: () => Promise<void>, options: FatalErrorOptions = {}): void {
  process.on('uncaughtException', fatalErrorHandler(stop, options));
}

/** The listener `onFatalError` installs, on its own so that it can be tested without raising a real error. */
export function fatalErrorHandler(stop: () => Promise<void>, options: FatalErrorOptions = {}): (err: unknown, origin: NodeJS.UncaughtExceptionOrigin) => void {
  const giveUpMs = options.giveUpMs ?? 10_000;
  const reportAtMost = options.reportAtMost ?? 5;
  let errors = 0;
  return (err, origin) => {
    errors++;
    if (errors > 1) {
      if (errors <= reportAtMost) console.error(`moongate: another internal error while stopping: ${describeError(err)}`);
      return;
    }
    // Whoever exits first (a shutdown signal's close may be the one this waits for) exits 1.
    process.exitCode = 1;
    const what = origin === 'unhandledRejection' ? 'a promise was rejected and nothing handled it' : 'an exception was thrown and nothing caught it';
    console.error(`moongate: internal error (${what}): ${describeError(err)}`);
    console.error('moongate: stopping: the requests in flight are ended, every queued log record is written, then the process exits with status 1');
    const giveUp = setTimeout(() => {
      console.error(`moongate: could not stop within ${giveUpMs} ms after the internal error; exiting`);
      process.exit(1);
    }, giveUpMs);
    stop()
      .then(
        () => console.error('moongate: logs flushed after the internal error; exiting with status 1'),
        (stopErr: unknown) => console.error(`moongate: error while stopping after the internal error: ${describeError(stopErr)}`),
      )
      .finally(() => {
        clearTimeout(giveUp);
        process.exit(1);
      });
  };
}

