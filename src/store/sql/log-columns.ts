import type { CostDetails, LogAttempt, LogEntry, LogRecord, LogSource } from '../../logs/log-record.js';
import type { SqlArg, SqlValue } from './sql-value.js';
import type { JsonText } from '../../logs/bodies/json-text.js';
import { nulAsStored } from './stored-text.js';

/** The columns of `request_logs`, in the order `entryValues` produces them. */
export const LOG_COLUMNS = [
  'id',
  'created_at',
  'source',
  'key_id',
  'customer_identifier',
  'end_user',
  'trace_id',
  'metadata',
  'provider',
  'credential',
  'model_requested',
  'model',
  'stream',
  'status',
  'is_error',
  'error_type',
  'error_message',
  'attempts',
  'adjustments',
  'prompt_tokens',
  'completion_tokens',
  'cached_tokens',
  'reasoning_tokens',
  'cost_usd',
  'cost_input_usd',
  'cost_cached_input_usd',
  'cost_output_usd',
  'cost_web_search_usd',
  'web_search_calls',
  'latency_ms',
  'ttft_ms',
  'overhead_ms',
  'request',
  'response',
] as const;

/** Everything but the bodies, for pages that leave them out. */
export const SUMMARY_COLUMNS = LOG_COLUMNS.filter((c) => c !== 'request' && c !== 'response');

export type LogRow = Record<string, SqlValue | undefined>;

/** A record is an error when the client got an error status or the stream ended with an error event. */
export function isError(entry: Pick<LogEntry, 'status' | 'error_type'>): boolean {
  return entry.status >= 400 || entry.error_type !== null;
}

export function entryValues(e: LogEntry): SqlArg[] {
  const cost = e.cost_details;
  return [
    text(e.id),
    Math.round(e.created_at_ms),
    e.source,
    text(e.key_id),
    text(e.customer_identifier),
    text(e.user),
    text(e.trace_id),
    e.metadata === null ? null : JSON.stringify(e.metadata),
    text(e.provider),
    text(e.credential),
    text(e.model_requested),
    text(e.model),
    e.stream ? 1 : 0,
    e.status,
    isError(e) ? 1 : 0,
    text(e.error_type),
    text(e.error_message),
    JSON.stringify(e.attempts),
    JSON.stringify(e.adjustments),
    e.prompt_tokens,
    e.completion_tokens,
    e.cached_tokens,
    e.reasoning_tokens,
    e.cost_usd,
    cost?.input_usd ?? null,
    cost?.cached_input_usd ?? null,
    cost?.output_usd ?? null,
    cost?.web_search_usd ?? null,
    cost?.web_search_calls ?? null,
    e.latency_ms,
    e.ttft_ms,
    e.overhead_ms,
    bodyArg(e.request_json),
    bodyArg(e.response_json),
  ];
}

/**
 * A body as it is bound: its text, or the bytes a long one is held as (written as they are, with
 * no string made of them on either thread). JSON text has no raw NUL to replace.
 */
function bodyArg(body: JsonText | null): SqlArg {
  return body === null || typeof body === 'string' ? body : body.bytes;
}

/** A text column's value: a NUL as U+FFFD (see stored-text.ts), so that nothing after it is lost. */
function text(value: string | null): string | null {
  return value === null ? null : nulAsStored(value);
}

/** A stored row as the API shows it; bodies are parsed back into JSON (null when left out). */
export function recordFromRow(row: LogRow): LogRecord {
  const costInput = num(row.cost_input_usd);
  const costDetails: CostDetails | null =
    costInput === null
      ? null
      : {
          input_usd: costInput,
          cached_input_usd: num(row.cost_cached_input_usd) ?? 0,
          output_usd: num(row.cost_output_usd) ?? 0,
          web_search_usd: num(row.cost_web_search_usd) ?? 0,
          web_search_calls: num(row.web_search_calls) ?? 0,
        };
  return {
    id: String(row.id),
    created_at: new Date(num(row.created_at) ?? 0).toISOString(),
    source: str(row.source) as LogSource,
    key_id: str(row.key_id),
    customer_identifier: str(row.customer_identifier),
    user: str(row.end_user),
    trace_id: str(row.trace_id),
    metadata: json(row.metadata) as Record<string, unknown> | null,
    provider: str(row.provider),
    credential: str(row.credential),
    model_requested: str(row.model_requested),
    model: str(row.model),
    stream: num(row.stream) === 1,
    status: num(row.status) ?? 0,
    error_type: str(row.error_type),
    error_message: str(row.error_message),
    attempts: (json(row.attempts) as LogAttempt[] | null) ?? [],
    adjustments: (json(row.adjustments) as string[] | null) ?? [],
    prompt_tokens: num(row.prompt_tokens),
    completion_tokens: num(row.completion_tokens),
    cached_tokens: num(row.cached_tokens),
    reasoning_tokens: num(row.reasoning_tokens),
    cost_usd: num(row.cost_usd),
    cost_details: costDetails,
    latency_ms: num(row.latency_ms),
    ttft_ms: num(row.ttft_ms),
    overhead_ms: num(row.overhead_ms),
    request: json(row.request),
    response: json(row.response),
  };
}

function str(value: SqlValue | undefined): string | null {
  return value === null || value === undefined ? null : String(value);
}

function num(value: SqlValue | undefined): number | null {
  if (value === null || value === undefined) return null;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : null;
}

/** A JSON column; a value that does not parse (never written by us) is shown as the raw text. */
function json(value: SqlValue | undefined): unknown {
  if (value === null || value === undefined) return null;
  try {
    return JSON.parse(String(value));
  } catch {
    return String(value);
  }
}
