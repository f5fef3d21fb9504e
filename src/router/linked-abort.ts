/**
 * An AbortController that also aborts when a parent signal does. Unlike AbortSignal.any, the link
 * is removed explicitly (`dispose`), so nothing lingers per request until garbage collection.
 */
export class LinkedAbort {
  readonly controller = new AbortController();
  private readonly onParentAbort = (): void => this.controller.abort(this.parent.reason);

  constructor(private readonly parent: AbortSignal) {
    if (parent.aborted) this.controller.abort(parent.reason);
    else parent.addEventListener('abort', this.onParentAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    this.controller.abort(reason);
  }

  dispose(): void {
    this.parent.removeEventListener('abort', this.onParentAbort);
  }
}

/** The reason a request is aborted when its deadline (router.timeout_ms) passes. */
export class DeadlineExceeded extends Error {}

/** A request's signal: aborted when the client goes away or the deadline passes. `dispose` when done. */
export class RequestLifetime extends LinkedAbort {
  private readonly timer: NodeJS.Timeout;

  constructor(client: AbortSignal, deadlineMs: number) {
    super(client);
    this.timer = setTimeout(() => this.abort(new DeadlineExceeded()), deadlineMs);
  }

  get deadlinePassed(): boolean {
    return this.signal.reason instanceof DeadlineExceeded;
  }

  override dispose(): void {
    clearTimeout(this.timer);
    super.dispose();
  }
}
