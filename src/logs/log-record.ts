import type { JsonText } from './bodies/json-text.js';
import type { AttemptRecord } from '../router/router.js';

/** Where a record came from: a request the gateway proxied, or one sent in without proxying. */
export type LogSource = 'proxy' | 'ingested';

/**
 * One upstream call made for a request (retries and fallbacks make several): the router's record
 * as stored, with times rounded to 0.01 ms and the error message capped (entry-from-outcome.ts).
 */
export type LogAttempt = AttemptRecord;

/** The cost split the way providers bill it, USD. */
export interface CostDetails {
  input_usd: number;
  cached_input_usd: number;
  output_usd: number;
  web_search_usd: number;
  web_search_calls: number;
}

/**
 * One request as the log API shows it (`GET /v1/logs`). Times are ISO 8601 UTC; `created_at`
 * is when the request finished (when its record was made); money is USD. Unknown values are
 * null — in particular `cost_usd` is null when the model's price is unknown, never a made-up 0.
 */
export interface LogRecord {
  id: string;
  created_at: string;
  source: LogSource;
  key_id: string | null;
  customer_identifier: string | null;
  /** OpenAI's `user` field of the request. */
  user: string | null;
  trace_id: string | null;
  metadata: Record<string, unknown> | null;
  provider: string | null;
  credential: string | null;
  model_requested: string | null;
  model: string | null;
  stream: boolean;
  status: number;
  error_type: string | null;
  error_message: string | null;
  attempts: LogAttempt[];
  /** What the gateway changed to fit the provider (the `x-moongate-adjusted` header). */
  adjustments: string[];
  prompt_tokens: number | null;
  completion_tokens: number | null;
  cached_tokens: number | null;
  reasoning_tokens: number | null;
  cost_usd: number | null;
  cost_details: CostDetails | null;
  latency_ms: number | null;
  ttft_ms: number | null;
  overhead_ms: number | null;
  request: unknown;
  response: unknown;
}

/**
 * A record on its way to the store: the time in epoch ms, bodies already prepared (redacted,
 * images replaced, truncated) and serialized, so that the store only writes text. A long body
 * may be held as its UTF-8 bytes (`textToHold`): outside V8's heap while it waits for its batch,
 * and written as it is.
 */
export interface LogEntry extends Omit<LogRecord, 'created_at' | 'request' | 'response'> {
  created_at_ms: number;
  request_json: JsonText | null;
  response_json: JsonText | null;
}
