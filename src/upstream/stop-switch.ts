/**
 * What code that can be stopped reads from its signal. A real AbortSignal fits it too, so callers
 * outside the request path (and tests) can still hand one in.
 */
export interface StopSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * A request's stop switch: AbortController's job without its cost. An AbortController is an
 * EventTarget, every request made one (a stream two), and each added and removed listeners: about
 * 6 µs per request, measured, against 0.1 µs for a flag and a set. Listeners are called once, in
 * the order added; one added after the abort is never called, as with an AbortSignal.
 */
export class StopSwitch implements StopSignal {
  aborted = false;
  reason: unknown = undefined;
  private listeners: Set<() => void> | undefined;

  /** The switch itself, read-only by type: what is handed to code that only listens. */
  get signal(): StopSignal {
    return this;
  }

  /** Without a reason, the reason is an AbortError, as AbortController.abort() gives. */
  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason === undefined ? abortError() : reason;
    const listeners = this.listeners;
    this.listeners = undefined;
    if (!listeners) return;
    for (const listener of listeners) {
      try {
        listener();
      } catch (err) {
        // As EventTarget does: the other listeners still run, and the error is not swallowed.
        process.nextTick(() => {
          throw err;
        });
      }
    }
  }

  /** Every listener is called at most once, so `once` changes nothing. */
  addEventListener(_type: 'abort', listener: () => void, _options?: { once?: boolean }): void {
    if (!this.aborted) (this.listeners ??= new Set()).add(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    this.listeners?.delete(listener);
  }
}

/** The error an abort without a reason stands for, as AbortController gives one. */
export function abortError(): Error {
  const err = new Error('This operation was aborted');
  err.name = 'AbortError';
  return err;
}
