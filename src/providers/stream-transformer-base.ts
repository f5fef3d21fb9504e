import { MAX_JSON_DEPTH, nestedDeeperThan } from '../server/json-nesting.js';
import { redactKey } from './redact-key.js';
import { sseErrorEvent, sseEvent } from './sse.js';
import { StreamAssembler } from './stream-assembler.js';
import type { AssembledResponse } from './stream-assembler.js';
import type { StreamFailure, StreamTransformer, Usage } from './types.js';

/**
 * What every stream transformer shares: ending with `[DONE]` or with one error event, never both,
 * and rebuilding the answer for the logs when asked. Subclasses convert the events themselves.
 */
export abstract class StreamTransformerBase implements StreamTransformer {
  /** `[DONE]` was seen: the stream ended normally. */
  protected done = false;
  private failureInfo: StreamFailure | undefined;
  protected readonly assembler: StreamAssembler | undefined;
  eventsPassedOn = 0;

  constructor(
    protected readonly providerName: string,
    captureResponse: boolean | undefined,
    /** The key sent upstream: blanked out of the error events the upstream sends. */
    private readonly upstreamKey?: string,
  ) {
    if (captureResponse) this.assembler = new StreamAssembler();
  }

  abstract onData(data: string): string;
  abstract get usage(): Usage | undefined;

  get failed(): boolean {
    return this.failureInfo !== undefined;
  }

  get failure(): StreamFailure | undefined {
    return this.failureInfo;
  }

  /** Over, one way or the other: nothing more will be sent. */
  get finished(): boolean {
    return this.done || this.failed;
  }

  assembled(): AssembledResponse | undefined {
    return this.assembler?.result();
  }

  finish(): string {
    if (this.finished) return '';
    return this.fail('upstream closed the stream before it finished', 'api_error', 'upstream_stream_incomplete');
  }

  abort(reason: string): string {
    if (this.finished) return '';
    return this.fail(reason, 'api_error', 'upstream_stream_incomplete');
  }

  stopByGateway(reason: string, code: string, type = 'api_error'): string {
    if (this.finished) return '';
    return this.fail(reason, type, code, 'Moongate');
  }

  /** An event sent on as it came: framed, and counted (see StreamTransformer.eventsPassedOn). */
  protected passOn(data: string): string {
    this.eventsPassedOn++;
    return sseEvent(data);
  }

  /**
   * The closing error event for an event nested too deep to be rewritten, assembled or logged (it
   * would fail there, and end the stream silently); undefined for any other event.
   */
  protected refuseTooDeep(event: unknown): string | undefined {
    if (!nestedDeeperThan(event)) return undefined;
    return this.fail(`upstream sent a stream event nested more than ${MAX_JSON_DEPTH} levels deep`, 'api_error', 'invalid_upstream_response');
  }

  /** The stream's last event: an OpenAI error naming whoever ended it (the provider, unless told). */
  protected fail(message: string, type: string, code: string | null, by = this.providerName): string {
    // What an upstream said (its error, a preview of a broken event) may echo the key it was sent.
    const rawMessage = redactKey(message, this.upstreamKey);
    this.failureInfo = { message: `${by}: ${rawMessage}`, rawMessage, type, code };
    return sseErrorEvent(this.failureInfo.message, type, code);
  }

  /** An `{"error": …}` event from upstream, in whatever shape it came. */
  protected upstreamError(error: unknown): string {
    const e = (error && typeof error === 'object' ? error : { message: String(error) }) as Record<string, unknown>;
    return this.fail(
      typeof e.message === 'string' ? e.message : 'unknown error',
      typeof e.type === 'string' ? e.type : 'api_error',
      typeof e.code === 'string' ? e.code : null,
    );
  }
}
