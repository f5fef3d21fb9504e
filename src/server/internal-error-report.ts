import { forgetSourceMaps, sourceMappedStack } from './source-mapped-stack.js';

export interface InternalErrorReportOptions {
  /** Where lines go (console.error). */
  write?: (line: string) => void;
  /** Errors printed whole per minute; the rest are counted, and the count printed at the minute's end. */
  perMinute?: number;
  now?: () => number;
}

const MINUTE_MS = 60_000;

/**
 * Prints an error the gateway did not expect (a bug in it or in a library) with its stack, mapped
 * back to the TypeScript source, so the operator can find it or report it. The caller only gets
 * its message in a 500 `internal_error`, and the log record keeps the same. A bug hit by every
 * request must not flood the output: past `perMinute` in a minute, errors are only counted.
 */
export class InternalErrorReport {
  private readonly write: (line: string) => void;
  private readonly perMinute: number;
  private readonly now: () => number;
  private windowStartedAt = -Infinity;
  private printed = 0;
  private unprinted = 0;
  private countTimer: NodeJS.Timeout | undefined;
  private forgetTimer: NodeJS.Timeout | undefined;

  constructor(options: InternalErrorReportOptions = {}) {
    this.write = options.write ?? ((line) => console.error(line));
    this.perMinute = options.perMinute ?? 10;
    // A monotonic clock: a wall clock set back would stretch the window.
    this.now = options.now ?? (() => performance.now());
  }

  /** Reports an unexpected error, naming the request it ended (its id is in the log record and the answer's headers). */
  report(err: unknown, requestId?: string): void {
    const now = this.now();
    if (now - this.windowStartedAt >= MINUTE_MS) {
      this.printUnprinted();
      this.windowStartedAt = now;
      this.printed = 0;
    }
    if (this.printed < this.perMinute) {
      this.printed++;
      this.write(`moongate: internal error${requestId === undefined ? '' : ` (request ${requestId})`}: ${describeError(err)}`);
      // The source maps read for it are megabytes: kept for the errors that often follow, dropped
      // after a quiet minute.
      clearTimeout(this.forgetTimer);
      this.forgetTimer = setTimeout(forgetSourceMaps, MINUTE_MS);
      this.forgetTimer.unref();
      return;
    }
    this.unprinted++;
    if (this.countTimer === undefined) {
      this.countTimer = setTimeout(() => this.printUnprinted(), this.windowStartedAt + MINUTE_MS - now);
      // Never what keeps a stopping process alive; a shutdown prints the count (flush).
      this.countTimer.unref();
    }
  }

  /** Prints the count of errors not printed yet, if any (at shutdown, say). */
  flush(): void {
    this.printUnprinted();
  }

  private printUnprinted(): void {
    clearTimeout(this.countTimer);
    this.countTimer = undefined;
    if (this.unprinted === 0) return;
    this.write(`moongate: ${this.unprinted} more internal error${this.unprinted === 1 ? '' : 's'} in the last minute, not printed (at most ${this.perMinute} a minute are)`);
    this.unprinted = 0;
  }
}

/**
 * An error's stack (source-mapped), or its text. Never throws: it runs where a throw would turn
 * one error into a crash (a stack getter that throws, a stack that is not a string, a bad map).
 */
export function describeError(err: unknown): string {
  try {
    if (!(err instanceof Error)) return String(err);
    const stack: unknown = err.stack;
    return typeof stack === 'string' ? sourceMappedStack(stack) : err.message;
  } catch {
    try {
      return String((err as Error).stack ?? err);
    } catch {
      return 'an error that cannot be printed';
    }
  }
}

/** The gateway's report of its unexpected errors (toGatewayError reports to it). */
export const internalErrors = new InternalErrorReport();
