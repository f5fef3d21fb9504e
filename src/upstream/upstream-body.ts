import { withoutBom } from './without-bom.js';
import { MAX_ANSWER_BYTES } from './answer-limits.js';

/** The code of text()'s error for a body past its limit. */
export const ANSWER_TOO_LARGE = 'ANSWER_TOO_LARGE';

/** How an upstream body asks undici's dispatcher to stop, go on, or give up reading the socket. */
export interface FlowControl {
  pause(): void;
  resume(): void;
  abort(reason: Error): void;
}

/** A read waiting for the next chunk. */
interface Waiter {
  resolve(chunk: Buffer | null): void;
  reject(err: Error): void;
}

/**
 * Who takes the chunks as they arrive, once set with `deliverTo`: `data` returns false when it
 * can take no more for now (it calls `resumeDelivery` when it can); `end` or `fail` comes once.
 */
export interface BodySink {
  data(chunk: Buffer): boolean;
  end(): void;
  fail(err: Error): void;
}

/** Bytes queued beyond what the reader has taken before the socket is paused. */
const HIGH_WATER_MARK = 64 * 1024;

/**
 * A streamed upstream body, fed by undici's dispatcher (`push`, `end`, `fail`) and read one
 * network read at a time, either pulled (`read`, a promise each) or pushed to a sink as the
 * dispatcher delivers it (`deliverTo`, no promise at all). It replaces `request()`'s Readable and
 * its async iterator on the stream path: a chunk that arrives while the reader waits goes straight
 * to it, without a stream's buffering and events. A reader that falls behind (a slow client) pauses
 * the socket once 64 KB are queued, and resumes it when it has caught up.
 */
export class UpstreamBody {
  private readonly chunks: Buffer[] = [];
  private queuedBytes = 0;
  private paused = false;
  private ended = false;
  private error: Error | undefined;
  private waiter: Waiter | undefined;
  private discarding = false;
  private isDestroyed = false;
  /** Set while discarding the rest: stops the give-up timer when the body ends. */
  private onEnd: (() => void) | undefined;
  /** Takes every chunk as it arrives, once set; unset after its end or failure. */
  private sink: BodySink | undefined;
  /** The sink said it can take no more until `resumeDelivery`. */
  private sinkFull = false;

  constructor(private readonly flow: FlowControl) {}

  get destroyed(): boolean {
    return this.isDestroyed;
  }

  /** The next chunk, or null at the end. Rejects if the connection broke or the body was destroyed. */
  read(): Promise<Buffer | null> {
    const chunk = this.chunks.shift();
    if (chunk !== undefined) {
      this.queuedBytes -= chunk.length;
      if (this.paused && this.chunks.length === 0) {
        this.paused = false;
        this.flow.resume();
      }
      return Promise.resolve(chunk);
    }
    if (this.error) return Promise.reject(this.error);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  /**
   * From now on every chunk goes to `sink` as it arrives, inside the dispatcher's callback, and
   * then the end or the failure: the stream path's reads without a promise per read (each one
   * costs allocations, and more allocation means more young-generation pauses between chunks).
   * The chunks already queued are handed over first, before this returns.
   */
  deliverTo(sink: BodySink): void {
    this.sink = sink;
    this.deliverQueued();
  }

  /** The sink, full before, can take chunks again: the queued ones first. */
  resumeDelivery(): void {
    this.sinkFull = false;
    this.deliverQueued();
  }

  private deliverQueued(): void {
    const sink = this.sink;
    if (sink === undefined) return;
    for (;;) {
      while (!this.sinkFull) {
        const chunk = this.chunks.shift();
        if (chunk === undefined) break;
        this.queuedBytes -= chunk.length;
        if (!sink.data(chunk)) this.sinkFull = true;
      }
      if (this.sinkFull || this.sink !== sink) return;
      if (!this.paused || this.error || this.isDestroyed) break;
      this.paused = false;
      // undici parses what the socket buffered meanwhile inside resume(): push, end or fail (and a
      // nested delivery, which may finish the sink) can all run before it returns. Look again.
      this.flow.resume();
    }
    if (this.error) this.finishSink().fail(this.error);
    else if (this.ended) this.finishSink().end();
  }

  /** The sink, unset: its end or failure comes once. */
  private finishSink(): BodySink {
    const sink = this.sink!;
    this.sink = undefined;
    return sink;
  }

  /**
   * The rest of the body as text (error answers), without a byte-order mark opening it. Past
   * `maxBytes` the connection is closed and it rejects with an Error whose code is ANSWER_TOO_LARGE.
   */
  async text(maxBytes = MAX_ANSWER_BYTES): Promise<string> {
    const parts: Buffer[] = [];
    let bytes = 0;
    for (let chunk = await this.read(); chunk !== null; chunk = await this.read()) {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        this.destroy();
        throw Object.assign(new Error(`the body is larger than ${maxBytes} bytes`), { code: ANSWER_TOO_LARGE });
      }
      parts.push(chunk);
    }
    return withoutBom(Buffer.concat(parts).toString('utf8'));
  }

  /** Stops reading and closes the connection; a read waiting now, or made later, rejects. */
  destroy(): void {
    if (this.isDestroyed) return;
    this.isDestroyed = true;
    this.chunks.length = 0;
    this.queuedBytes = 0;
    // Nothing is left to deliver before the failure, full sink or not.
    this.sinkFull = false;
    if (this.ended || this.error) return;
    const closed = Object.assign(new Error('the upstream body was closed before its end'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
    this.fail(closed);
    this.flow.abort(closed);
  }

  /**
   * Reads whatever is left and throws it away, so the connection can be reused (a stream that
   * sent `[DONE]` may still send a last empty chunk); gives up and closes it after `giveUpMs`.
   */
  discardRest(giveUpMs: number): void {
    if (this.ended || this.error || this.isDestroyed) return;
    this.discarding = true;
    this.sink = undefined;
    this.chunks.length = 0;
    this.queuedBytes = 0;
    const giveUp = setTimeout(() => this.destroy(), giveUpMs);
    giveUp.unref();
    this.onEnd = () => clearTimeout(giveUp);
    if (this.paused) {
      this.paused = false;
      this.flow.resume();
    }
  }

  /** From the dispatcher: a chunk of the body. */
  push(chunk: Buffer): void {
    if (this.isDestroyed || this.discarding) return;
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter.resolve(chunk);
      return;
    }
    if (this.sink !== undefined && !this.sinkFull && this.chunks.length === 0) {
      if (!this.sink.data(chunk)) this.sinkFull = true;
      return;
    }
    this.chunks.push(chunk);
    this.queuedBytes += chunk.length;
    if (!this.paused && this.queuedBytes >= HIGH_WATER_MARK) {
      this.paused = true;
      this.flow.pause();
    }
  }

  /** From the dispatcher: the body is complete. */
  end(): void {
    if (this.ended || this.error) return;
    this.ended = true;
    this.finished()?.resolve(null);
    this.deliverQueued();
  }

  /** From the dispatcher: the connection broke, timed out or was aborted. */
  fail(err: Error): void {
    if (this.ended || this.error) return;
    this.error = err;
    this.finished()?.reject(err);
    this.deliverQueued();
  }

  /** The body is over: stops a discardRest timer, and hands back the read waiting for it, if any. */
  private finished(): Waiter | undefined {
    this.onEnd?.();
    const waiter = this.waiter;
    this.waiter = undefined;
    return waiter;
  }
}
