import { defaultTypeForStatus } from '../../server/gateway-error.js';
import { isPlainObject } from '../../server/plain-object.js';
import type { Usage } from '../types.js';
import { SSE_DONE } from '../sse.js';
import { StreamTransformerBase } from '../stream-transformer-base.js';
import type { AssembledResponse } from '../stream-assembler.js';
import { readUsage } from '../usage.js';
import { statusInErrorCode } from '../../upstream/status-in-error-code.js';
import { codeForStatus } from './map-error.js';

export interface PassthroughStreamOptions {
  providerName: string;
  /** False when the gateway asked upstream for usage on its own: the usage chunk is then not sent on. */
  forwardUsageChunk: boolean;
  /** Rebuild the whole answer as it passes (for logging response bodies); costs a parse per event. */
  captureResponse?: boolean;
  /** The key sent upstream, blanked out of the upstream's error events. */
  upstreamKey?: string;
}

/**
 * For providers that already speak OpenAI: events go through byte for byte. Only chunks that
 * mention usage or an error are parsed (every chunk, when the answer is rebuilt for the logs),
 * to read the usage and to turn errors into a clean ending.
 */
export class PassthroughStreamTransformer extends StreamTransformerBase {
  private lastUsage: Usage | undefined;
  /** A choice finished (or the usage chunk, which comes last, arrived): the answer is complete. */
  private answerEnded = false;
  /** The `service_tier` the chunks say served the answer, read when the answer is not rebuilt (see assembled). */
  private serviceTier: string | undefined;

  constructor(private readonly options: PassthroughStreamOptions) {
    super(options.providerName, options.captureResponse, options.upstreamKey);
  }

  get usage(): Usage | undefined {
    return this.lastUsage;
  }

  onData(data: string): string {
    if (this.finished) return '';
    if (data === '[DONE]') {
      this.done = true;
      return this.passOn(data);
    }
    if (!this.answerEnded && FINISHED.test(data)) this.answerEnded = true;
    if (!this.assembler && this.serviceTier === undefined && data.includes('"service_tier"')) this.serviceTier = SERVICE_TIER.exec(data)?.[1];
    if (!this.assembler && !data.includes('"usage"') && !data.includes('"error"')) return this.passOn(data);

    let chunk: Record<string, unknown>;
    try {
      chunk = JSON.parse(data) as Record<string, unknown>;
    } catch {
      return this.passOn(data);
    }
    if (chunk.error !== undefined && chunk.error !== null) return this.upstreamError(withStatusCode(chunk.error));
    const tooDeep = this.refuseTooDeep(chunk);
    if (tooDeep !== undefined) return tooDeep;
    this.assembler?.add(chunk);
    const usage = readUsage(chunk.usage);
    if (usage) this.lastUsage = usage;
    const usageOnly = Array.isArray(chunk.choices) && chunk.choices.length === 0 && usage !== undefined;
    if (usageOnly) this.answerEnded = true;
    if (usageOnly && !this.options.forwardUsageChunk) return '';
    return this.passOn(data);
  }

  /**
   * The answer rebuilt for the logs; when it is not rebuilt (response bodies not logged), still
   * the tier that served it, which its price depends on (OpenAI's flex tier is half price).
   */
  override assembled(): AssembledResponse | undefined {
    if (this.assembler || this.serviceTier === undefined) return super.assembled();
    return { object: 'chat.completion', choices: [], service_tier: this.serviceTier };
  }

  /**
   * Some servers end a finished stream by closing it, without `[DONE]` (ik_llama.cpp, llama-box,
   * TGI before 2.2). Once the answer had ended that close is its end, and the client gets the
   * `[DONE]` it expects; a stream closed mid-answer is still reported as cut.
   */
  override finish(): string {
    if (this.finished || !this.answerEnded) return super.finish();
    this.done = true;
    return SSE_DONE;
  }
}

/** A chunk's `service_tier` (OpenAI sends it on every chunk). */
const SERVICE_TIER = /"service_tier"\s*:\s*"([^"]*)"/;

/**
 * A chunk whose choice ended: a non-empty string finish_reason, in compact JSON or Python's `": "`
 * spacing (some servers send `"finish_reason": ""` on every chunk until the last).
 */
const FINISHED = /"finish_reason"\s*:\s*"[^"]/;

/**
 * An error event whose `code` is an HTTP status (OpenRouter reports failures after its 200 this way,
 * `{"error": {"code": 429, "message": …}}`, without a type) gets the type that status stands for,
 * so the router and the client read it as that status (a 429 a rate limit, a 400 the caller's),
 * not as an unknown server fault; the code is kept as a string, as OpenAI's are (402, no credit
 * left, is OpenAI's `insufficient_quota`, as in map-error.ts).
 */
function withStatusCode(error: unknown): unknown {
  if (!isPlainObject(error) || typeof error.code !== 'number' || !Number.isInteger(error.code)) return error;
  const code = String(error.code);
  const status = statusInErrorCode(error.code);
  if (status === undefined) return { ...error, code };
  const type = typeof error.type === 'string' ? error.type : defaultTypeForStatus(status);
  return { ...error, type, code: codeForStatus(status, code) };
}
