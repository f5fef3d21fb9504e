import { costInputOf } from '../server/request-outcome.js';
import type { RequestOutcome } from '../server/request-outcome.js';
import type { PriceBook } from '../pricing/price-book.js';
import { requestCost } from '../pricing/request-cost.js';
import { textToHold } from './bodies/json-text.js';
import type { JsonText } from './bodies/json-text.js';
import { prepareBody } from './bodies/prepare-body.js';
import { costDetails } from './cost-details.js';
import type { BodyPolicy } from './bodies/prepare-body.js';
import type { LogAttempt, LogEntry } from './log-record.js';

export interface RecordContext {
  prices: PriceBook;
  bodies: BodyPolicy;
}

const MAX_ERROR_MESSAGE_CHARS = 2000;

/**
 * The log record of a proxied request, built once its answer has been sent: bodies are redacted,
 * stripped of images and capped here, and cost is computed here if the handler did not.
 */
export function logEntryFromOutcome(outcome: RequestOutcome, ctx: RecordContext): LogEntry {
  const usage = outcome.usage;
  // Priced once by the handler (the key was charged the same); priced here if it was not.
  const cost = outcome.cost ?? requestCost(ctx.prices, costInputOf(outcome));
  const error = outcome.error;
  // An error answer has no body of its own in the outcome; log what the client was told.
  const response = outcome.response ?? (error ? { error: { message: error.message, type: error.type, code: error.code } } : undefined);
  return {
    id: outcome.requestId,
    created_at_ms: Math.round(outcome.startedAt + outcome.latencyMs),
    source: 'proxy',
    key_id: outcome.caller.keyId ?? null,
    customer_identifier: outcome.caller.customerIdentifier ?? null,
    user: outcome.caller.user ?? null,
    trace_id: outcome.caller.traceId ?? null,
    metadata: outcome.caller.metadata ?? null,
    provider: outcome.provider ?? null,
    credential: outcome.credential ?? null,
    model_requested: outcome.modelRequested ?? null,
    model: outcome.model ?? null,
    stream: outcome.stream,
    status: outcome.status,
    error_type: error?.type ?? null,
    error_message: error ? error.message.slice(0, MAX_ERROR_MESSAGE_CHARS) : null,
    attempts: outcome.attempts.map(toLogAttempt),
    adjustments: outcome.adjustments,
    prompt_tokens: usage?.prompt_tokens ?? null,
    completion_tokens: usage?.completion_tokens ?? null,
    cached_tokens: usage?.cached_tokens ?? null,
    reasoning_tokens: usage?.reasoning_tokens ?? null,
    cost_usd: cost.total_usd,
    cost_details: costDetails(cost.breakdown, cost.web_search_calls),
    latency_ms: roundMs(outcome.latencyMs),
    ttft_ms: outcome.ttftMs === undefined ? null : roundMs(outcome.ttftMs),
    overhead_ms: roundMs(outcome.overheadMs),
    request_json: outcome.requestJson !== undefined ? outcome.requestJson : held(prepareBody(outcome.request, ctx.bodies, outcome.requestText)),
    response_json: held(prepareBody(response, ctx.bodies, outcome.response === undefined ? undefined : outcome.responseText)),
  };
}

/**
 * A body as the record holds it until its batch is written. A long one as its UTF-8 bytes: a
 * string of a long conversation lived in V8's heap until the next batch (up to 250 ms, so it was
 * promoted and later collected from the old generation, then copied into the store thread's heap
 * as well); bytes are outside it, and the store writes them as they are. A 100 KB conversation
 * cost ~15 % less CPU so (CPU per request in the benchmark's long-conversation scenario).
 */
function held(text: string | null): JsonText | null {
  return text === null ? null : textToHold(text);
}

function toLogAttempt(a: RequestOutcome['attempts'][number]): LogAttempt {
  return {
    provider: a.provider,
    model: a.model,
    credential: a.credential,
    ...(a.status !== undefined ? { status: a.status } : {}),
    ...(a.error_type !== undefined ? { error_type: a.error_type } : {}),
    ...(a.error_message !== undefined ? { error_message: a.error_message.slice(0, MAX_ERROR_MESSAGE_CHARS) } : {}),
    started_ms: roundMs(a.started_ms),
    duration_ms: roundMs(a.duration_ms),
  };
}

/** Times to a hundredth of a millisecond: enough for overhead, without float noise in the API. */
export function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}
