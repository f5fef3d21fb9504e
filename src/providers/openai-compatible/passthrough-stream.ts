import type { StreamFailure, StreamTransformer, Usage } from '../types.js';
import { SSE_DONE, sseErrorEvent, sseEvent } from '../sse.js';
import { readUsage } from '../usage.js';
import { StreamAssembler } from '../stream-assembler.js';
import type { AssembledResponse } from '../stream-assembler.js';

export interface PassthroughStreamOptions {
  providerName: string;
  /** False when the gateway asked upstream for usage on its own: the usage chunk is then not sent on. */
  forwardUsageChunk: boolean;
  /** Rebuild the whole answer as it passes (for logging response bodies); costs a parse per event. */
  captureResponse?: boolean;
}

/**
 * For providers that already speak OpenAI: events go through byte for byte. Only chunks that
 * mention usage or an error are parsed, to read the usage and to turn errors into a clean ending.
 */
export class PassthroughStreamTransformer implements StreamTransformer {
  private done = false;
  private failureInfo: StreamFailure | undefined;
  private lastUsage: Usage | undefined;
  private readonly assembler: StreamAssembler | undefined;

  constructor(private readonly options: PassthroughStreamOptions) {
    if (options.captureResponse) this.assembler = new StreamAssembler();
  }

  assembled(): AssembledResponse | undefined {
    return this.assembler?.result();
  }

  get failed(): boolean {
    return this.failureInfo !== undefined;
  }

  get failure(): StreamFailure | undefined {
    return this.failureInfo;
  }

  get usage(): Usage | undefined {
    return this.lastUsage;
  }

  onData(data: string): string {
    if (this.done || this.failed) return '';
    if (data === '[DONE]') {
      this.done = true;
      return SSE_DONE;
    }
    if (!this.assembler && !data.includes('"usage"') && !data.includes('"error"')) return sseEvent(data);

    let chunk: Record<string, unknown>;
    try {
      chunk = JSON.parse(data) as Record<string, unknown>;
    } catch {
      return sseEvent(data);
    }
    if (chunk.error !== undefined && chunk.error !== null) {
      const e = chunk.error as Record<string, unknown>;
      return this.fail(
        typeof e.message === 'string' ? e.message : 'unknown error',
        typeof e.type === 'string' ? e.type : 'api_error',
        typeof e.code === 'string' ? e.code : null,
      );
    }
    this.assembler?.add(chunk);
    const usage = readUsage(chunk.usage);
    if (usage) this.lastUsage = usage;
    const usageOnly = Array.isArray(chunk.choices) && chunk.choices.length === 0 && usage !== undefined;
    if (usageOnly && !this.options.forwardUsageChunk) return '';
    return sseEvent(data);
  }

  finish(): string {
    if (this.done || this.failed) return '';
    return this.fail('upstream closed the stream before it finished', 'api_error', 'upstream_stream_incomplete');
  }

  abort(reason: string): string {
    if (this.done || this.failed) return '';
    return this.fail(reason, 'api_error', 'upstream_stream_incomplete');
  }

  private fail(message: string, type: string, code: string | null): string {
    this.failureInfo = { message: `${this.options.providerName}: ${message}`, type, code };
    return sseErrorEvent(this.failureInfo.message, type, code);
  }
}
