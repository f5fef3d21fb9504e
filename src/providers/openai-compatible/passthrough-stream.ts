import type { StreamTransformer, Usage } from '../types.js';
import { SSE_DONE, sseErrorEvent, sseEvent } from '../sse.js';
import { readUsage } from '../usage.js';

export interface PassthroughStreamOptions {
  providerName: string;
  /** False when the gateway asked upstream for usage on its own: the usage chunk is then not sent on. */
  forwardUsageChunk: boolean;
}

/**
 * For providers that already speak OpenAI: events go through byte for byte. Only chunks that
 * mention usage or an error are parsed, to read the usage and to turn errors into a clean ending.
 */
export class PassthroughStreamTransformer implements StreamTransformer {
  private done = false;
  private failedFlag = false;
  private lastUsage: Usage | undefined;

  constructor(private readonly options: PassthroughStreamOptions) {}

  get failed(): boolean {
    return this.failedFlag;
  }

  get usage(): Usage | undefined {
    return this.lastUsage;
  }

  onData(data: string): string {
    if (this.done || this.failedFlag) return '';
    if (data === '[DONE]') {
      this.done = true;
      return SSE_DONE;
    }
    if (!data.includes('"usage"') && !data.includes('"error"')) return sseEvent(data);

    let chunk: Record<string, unknown>;
    try {
      chunk = JSON.parse(data) as Record<string, unknown>;
    } catch {
      return sseEvent(data);
    }
    if (chunk.error !== undefined && chunk.error !== null) {
      this.failedFlag = true;
      const e = chunk.error as Record<string, unknown>;
      const message = typeof e.message === 'string' ? e.message : 'unknown error';
      return sseErrorEvent(
        `${this.options.providerName}: ${message}`,
        typeof e.type === 'string' ? e.type : 'api_error',
        typeof e.code === 'string' ? e.code : null,
      );
    }
    const usage = readUsage(chunk.usage);
    if (usage) this.lastUsage = usage;
    const usageOnly = Array.isArray(chunk.choices) && chunk.choices.length === 0 && usage !== undefined;
    if (usageOnly && !this.options.forwardUsageChunk) return '';
    return sseEvent(data);
  }

  finish(): string {
    if (this.done || this.failedFlag) return '';
    this.failedFlag = true;
    return sseErrorEvent(`${this.options.providerName}: upstream closed the stream before it finished`, 'api_error', 'upstream_stream_incomplete');
  }

  abort(reason: string): string {
    if (this.done || this.failedFlag) return '';
    this.failedFlag = true;
    return sseErrorEvent(`${this.options.providerName}: ${reason}`, 'api_error', 'upstream_stream_incomplete');
  }
}
