import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { errorBody } from './errors.js';
import type { RecordedRequest, SimError } from './types.js';

export const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * One request/response pair. Knows the moment the client goes away (so chunk production and
 * timers stop at once) and stamps Moonshot's response headers on everything it sends.
 */
export class Exchange {
  private readonly t0 = performance.now();
  // A plain flag and listener set instead of an AbortController: aborting builds a DOMException,
  // which showed up in benchmark profiles for every finished request.
  private gone = false;
  private readonly goneListeners = new Set<() => void>();
  /** Set when the simulator itself cuts the connection, so it is not counted as a client abort. */
  cutByServer = false;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly record: RecordedRequest,
    readonly requestId: string,
  ) {
    res.once('close', () => {
      this.gone = true;
      for (const listener of this.goneListeners) listener();
      this.goneListeners.clear();
    });
  }

  /** True once the response is closed (finished, cut, or the client went away). */
  get isGone(): boolean {
    return this.gone;
  }

  /** True once the socket is gone or the response was ended: nothing more may be written. */
  get closed(): boolean {
    return this.gone || this.res.writableEnded || this.res.destroyed;
  }

  headers(contentType: string): OutgoingHttpHeaders {
    return {
      'content-type': contentType,
      'msh-request-id': this.requestId,
      'x-msh-trace-id': this.requestId.replace(/-/g, ''),
      'server-timing': `inner; dur=${Math.round(performance.now() - this.t0)}`,
    };
  }

  send(status: number, body: string, contentType: string = JSON_TYPE): void {
    if (this.closed) return;
    this.record.status = status;
    this.res.writeHead(status, { ...this.headers(contentType), 'content-length': Buffer.byteLength(body) });
    this.res.end(body);
  }

  sendError(error: SimError): void {
    this.send(error.status, errorBody(error));
  }

  startStream(): void {
    this.record.status = 200;
    this.res.writeHead(200, { ...this.headers('text/event-stream; charset=utf-8'), 'cache-control': 'no-cache' });
  }

  /** Writes one SSE frame; waits only when the socket buffer is full, so fast streams stay cheap. */
  async write(frame: string): Promise<void> {
    if (this.closed) return;
    if (this.res.write(frame)) return;
    // A corked response never drains: flush it before waiting.
    while (this.res.writableCorked > 0) this.res.uncork();
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.once('drain', done);
      this.res.once('close', done);
    });
  }

  /** Cuts the connection after what was written has been flushed, like a proxy dying mid-reply. */
  async cut(): Promise<void> {
    this.cutByServer = true;
    while (this.res.writableCorked > 0) this.res.uncork();
    if (this.res.headersSent && !this.closed) await new Promise<void>((resolve) => this.res.write('', () => resolve()));
    this.res.destroy();
  }

  /** Resolves true after `ms`, or false as soon as the client disconnects (the timer is cleared). */
  sleep(ms: number): Promise<boolean> {
    if (ms <= 0 || this.gone) return Promise.resolve(!this.gone);
    return new Promise((resolve) => {
      const onGone = (): void => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        this.goneListeners.delete(onGone);
        resolve(true);
      }, ms);
      this.goneListeners.add(onGone);
    });
  }
}
