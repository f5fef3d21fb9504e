import { isUtf8 } from 'node:buffer';
import { StringDecoder } from 'node:string_decoder';
import { createParser } from 'eventsource-parser';
import type { EventSourceParser } from 'eventsource-parser';
import { sseEventLengthAt } from '../providers/sse.js';
import type { StreamTransformer } from '../providers/types.js';
import { MAX_EVENT_CHARS } from './answer-limits.js';
import { errorEventData } from './error-event-data.js';
import type { UpstreamResponse } from './send-request.js';
import { isPlainObject } from '../server/plain-object.js';
import { withoutBom } from './without-bom.js';

/** Enough of a body that is not an event stream to show what it was (a preview, or a short error). */
const MAX_NON_EVENT_TEXT = 4096;

/** What the stream has to send: text, or a network read sent on as it came (see `accept`). */
export type EventBytes = string | Buffer;

const LINE_FEED = 0x0a;
const LETTER_D = 0x64;

/**
 * An upstream event stream read through a provider's transformer, one network read at a time.
 * `next()` gives the bytes to send on as soon as a read produced any — never waiting for more —
 * so the router can look at the first event before committing (and fail over if it never comes),
 * and the pipe can send every later read at once.
 */
export class TransformedEventStream {
  private readonly parser: EventSourceParser;
  // Not TextDecoder: in Node 20 each one holds an ICU converter (~3 KB, 2,000 streams ~6 MB) and
  // decodes a chunk three times slower.
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  /** A read whose every byte was its events, each passed on unchanged: sent as it came, not as text. */
  private pendingRead: Buffer | undefined;
  /**
   * While the events of the read being parsed are passed on unchanged and framed in it exactly as
   * `sseEvent` frames them: how much of its text they make up. -1 once that no longer holds.
   */
  private verbatimUpTo = -1;
  /** The text of the read being parsed. */
  private readText = '';
  private ended = false;
  private atStart = true;
  /** The parser gave up on an event or a line longer than MAX_EVENT_CHARS. */
  private oversized = false;
  /** The text read before the first event: what an upstream said if it sent no event stream. */
  private textBeforeFirstEvent = '';
  /** performance.now() of the last network read: any bytes, SSE comments included. */
  lastReadAt = performance.now();
  /** Events read so far (about a token each): what a stream that ends without its usage cost. */
  eventsRead = 0;

  constructor(
    private readonly upstream: UpstreamResponse,
    readonly transformer: StreamTransformer,
    private readonly maxEventChars = MAX_EVENT_CHARS,
  ) {
    this.parser = createParser({
      // An upstream that never ends a line or an event must not fill the memory.
      maxBufferSize: maxEventChars,
      onEvent: (event) => {
        if (this.eventsRead++ === 0) this.textBeforeFirstEvent = '';
        const asSent = event.event !== 'error';
        const passedOn = transformer.eventsPassedOn;
        const out = transformer.onData(asSent ? event.data : errorEventData(event.data));
        if (this.verbatimUpTo >= 0) {
          const framed = asSent && transformer.eventsPassedOn !== passedOn ? sseEventLengthAt(this.readText, this.verbatimUpTo, event.data) : 0;
          if (framed > 0) {
            this.verbatimUpTo += framed;
            return;
          }
          // Not as it came after all: the events before this one are sent as text.
          this.pending += this.readText.slice(0, this.verbatimUpTo);
          this.verbatimUpTo = -1;
        }
        this.pending += out;
      },
      onError: (err) => {
        if (err.type === 'max-buffer-size-exceeded') this.oversized = true;
      },
    });
  }

  /** The next bytes to send, or null when the stream is over. Throws if the upstream breaks. */
  async next(): Promise<EventBytes | null> {
    for (;;) {
      const out = this.takeOutput();
      if (out !== undefined) return out;
      this.accept(await this.upstream.body.read());
    }
  }

  /**
   * Sends every later read to `write` as soon as it arrives, inside the dispatcher's callback:
   * unlike `next()`, no promise per read. Resolves when the stream is over (its last bytes
   * written); rejects if the upstream breaks or the stream is destroyed. When `write` returns
   * false (the client's buffer is full) reading waits for `writable()`, which rejects to stop.
   * `ended`, if given, is called at the stream's end in the callback that wrote its last bytes,
   * before the promise resolves: a response ended there leaves in the same network write as those
   * bytes (ended when the promise's continuation runs, after Node has sent them, it takes one more).
   */
  forward(write: (bytes: EventBytes) => boolean, writable: () => Promise<void>, ended?: () => void): Promise<void> {
    const body = this.upstream.body;
    return new Promise((resolve, reject) => {
      let settled = false;
      let delivering = false;
      const stop = (err: unknown): void => {
        if (settled) return;
        settled = true;
        this.destroy();
        reject(err);
      };
      /** Writes what is ready: true to read on, false when waiting for the client or over. */
      const flush = (): boolean => {
        for (;;) {
          const out = this.takeOutput();
          if (out === undefined) return true;
          if (out === null) {
            settled = true;
            resolve();
            ended?.();
            return false;
          }
          if (!write(out)) {
            writable().then(() => void guarded(() => flush() && readOn()), stop);
            return false;
          }
        }
      };
      const guarded = (step: () => boolean): boolean => {
        if (settled) return false;
        try {
          return step();
        } catch (err) {
          stop(err);
          return false;
        }
      };
      const take = (read: Buffer | null): boolean =>
        guarded(() => {
          this.accept(read);
          return flush();
        });
      /** Takes reads again (the first time, starts taking them): true, for `guarded`. */
      const readOn = (): boolean => {
        if (delivering) {
          body.resumeDelivery();
          return true;
        }
        delivering = true;
        body.deliverTo({
          data: take,
          end: () => void take(null),
          // The stream closed the connection itself after its own end (an oversized event, an
          // error event): what it has left to send is pending, and the flush under way sends it.
          fail: (err) => {
            if (!this.ended) stop(err);
          },
        });
        return true;
      };
      guarded(() => flush() && readOn());
    });
  }

  /** What is ready to send: bytes, null when the stream is over, undefined when a read is needed. */
  private takeOutput(): EventBytes | null | undefined {
    for (;;) {
      const read = this.pendingRead;
      if (read !== undefined) {
        this.pendingRead = undefined;
        return read;
      }
      if (this.pending !== '') {
        const out = this.pending;
        this.pending = '';
        return out;
      }
      if (this.ended) return null;
      if (!this.transformer.finished) return undefined;
      this.ended = true;
      this.release();
    }
  }

  /** Takes one network read (null: the body's end) through the parser and the transformer. */
  private accept(read: Buffer | null): void {
    this.lastReadAt = performance.now();
    if (read === null) {
      this.ended = true;
      // An upstream that ends without the final blank line still meant its last event: the
      // blank lines complete and dispatch it (and do nothing after a properly ended stream).
      this.parser.feed(`${this.decoder.end()}\n\n`);
      this.pending += this.readAsOneEvent() + this.transformer.finish();
      return;
    }
    const text = this.decode(read);
    if (this.eventsRead === 0 && this.textBeforeFirstEvent.length < MAX_NON_EVENT_TEXT) this.textBeforeFirstEvent += text;
    // A read may be sent as it came when its text is exactly its bytes: valid UTF-8 (no character
    // split with the reads around it, nothing replaced) and no byte-order mark dropped. A read
    // ending mid-line cannot be whole events: it is not even checked. Its events decide (onEvent).
    const asText = read[0] !== LETTER_D || read[read.length - 1] !== LINE_FEED || !isUtf8(read);
    this.verbatimUpTo = asText ? -1 : 0;
    this.readText = text;
    try {
      this.parser.feed(text);
    } finally {
      // The read itself when it was all events passed on unchanged (and no text is still to go
      // before it); else the text of those checked so far, also when a transformer threw.
      if (this.verbatimUpTo === text.length && this.pending === '' && this.pendingRead === undefined) this.pendingRead = read;
      else if (this.verbatimUpTo > 0) this.pending += text.slice(0, this.verbatimUpTo);
      this.verbatimUpTo = -1;
      this.readText = '';
    }
    if (this.oversized) {
      this.ended = true;
      this.pending += this.transformer.abort(`upstream sent more than ${this.maxEventChars} characters without ending an event; the gateway stopped reading`);
      this.destroy();
    }
  }

  /**
   * A body labelled an event stream that held no event at all: a JSON object (a bare
   * `{"error": …}`, say) is read as one event, so that what the upstream said reaches the client;
   * anything else ends the stream with a preview of it. Either way the stream fails before its
   * first event, and the router can still try elsewhere. SSE comments (keep-alives) are left out.
   */
  private readAsOneEvent(): string {
    if (this.eventsRead > 0) return '';
    const body = this.textBeforeFirstEvent
      .split(/\r\n|\r|\n/)
      .filter((line) => line !== '' && !line.startsWith(':'))
      .join('\n');
    if (body === '') return '';
    if (isJsonObject(body)) return this.transformer.onData(body);
    const preview = body.length > 200 ? `${body.slice(0, 200)}…` : body;
    return this.transformer.abort(`upstream closed the stream before its first event; it sent: ${preview}`);
  }

  /** The text of a network read; a byte-order mark opening the stream is dropped, as SSE says. */
  private decode(read: Buffer): string {
    const text = this.decoder.write(read);
    if (!this.atStart || text === '') return text;
    this.atStart = false;
    return withoutBom(text);
  }

  /** Closes the upstream connection (client gone, timeout, or the stream failed). */
  destroy(): void {
    this.upstream.body.destroy();
  }

  /**
   * After `[DONE]` or an error event nothing more is sent: a failed stream's connection is closed,
   * a finished one's remaining bytes are read off in the background so the connection can be reused.
   */
  private release(): void {
    if (this.transformer.failed) return this.destroy();
    this.upstream.body.discardRest(5_000);
  }
}

function isJsonObject(text: string): boolean {
  if (!text.startsWith('{')) return false;
  try {
    const value: unknown = JSON.parse(text);
    return isPlainObject(value);
  } catch {
    return false;
  }
}
