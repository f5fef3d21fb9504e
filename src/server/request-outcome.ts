import type { AttemptRecord } from '../router/router.js';
import type { Usage } from '../providers/types.js';
import type { RequestCost, RequestCostInput } from '../pricing/request-cost.js';
import type { JsonText } from '../logs/bodies/json-text.js';

/**
 * What the log stores of a request's body (`logging.bodies`, `logging.max_body_kb`; null: nothing),
 * given its text when that says the same (see prepareBody): how a stream keeps only that.
 */
export type RequestForLog = (request: unknown, text: JsonText | undefined) => string | null;

/**
 * Everything known about one finished chat request: what was asked, where it went, what came
 * back, and how long each part took. The chat handler reports one for every request — success
 * or failure, stream or not — to the observers (logs, metrics), which must not block.
 */
export interface RequestOutcome {
  requestId: string;
  /** Epoch ms when the request arrived. */
  startedAt: number;
  stream: boolean;
  modelRequested: string | undefined;
  provider: string | undefined;
  model: string | undefined;
  credential: string | undefined;
  /** HTTP status the client got (200 for a stream that later ended with an error event). */
  status: number;
  /** Set when the request failed, before or during a stream. */
  error: { type: string; message: string; code: string | null } | undefined;
  attempts: AttemptRecord[];
  adjustments: string[];
  usage: Usage | undefined;
  /** From arrival to the last byte sent. */
  latencyMs: number;
  /** Streams: from arrival to the first chunk sent. */
  ttftMs: number | undefined;
  /** Time spent in the gateway itself: latency minus time waiting on upstream. */
  overheadMs: number;
  /**
   * The body as the client sent it (gateway-only fields included; provider keys removed).
   * Undefined for a stream once its first chunk was out, when the gateway logs: see requestJson.
   */
  request: unknown;
  /** The JSON answer, or the answer rebuilt from the stream when bodies are captured. */
  response: unknown;
  /**
   * `request` and `response` as the JSON text that crossed the wire, when it is at hand and says
   * the same thing: the log writer can then keep it instead of serializing the body again.
   */
  requestText?: JsonText;
  /**
   * The request as the log stores it (null: not stored; long ones as bytes, see textToHold),
   * prepared while a stream ran; `request` and `requestText` are then undefined. Undefined when
   * the log is to prepare it from those.
   */
  requestJson?: JsonText | null;
  responseText?: string;
  clientClosed: boolean;
  /**
   * What the request cost, priced once by the handler (the key is charged this, the log and the
   * metrics show it). Undefined when the gateway has no price book (no observability).
   */
  cost?: RequestCost;
  caller: {
    /** The gateway key (`key_…` id) the request came with, if any. */
    keyId?: string;
    customerIdentifier: string | undefined;
    metadata: Record<string, unknown> | undefined;
    user: string | undefined;
    traceId: string | undefined;
  };
}

/** What a finished request is priced on: the handler prices it once; observers reuse the price. */
export function costInputOf(o: Pick<RequestOutcome, 'provider' | 'model' | 'usage' | 'response' | 'status' | 'attempts'>): RequestCostInput {
  return {
    provider: o.provider,
    model: o.model,
    tokens: o.usage && { prompt: o.usage.prompt_tokens, completion: o.usage.completion_tokens, cached: o.usage.cached_tokens },
    response: o.response,
    failedWithoutAnswer: o.status >= 400 && o.status !== 499,
    reachedProvider: o.attempts.length > 0,
  };
}

export interface RequestObserver {
  onRequestFinished(outcome: RequestOutcome): void;
}
