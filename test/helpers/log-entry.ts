import type { LogEntry } from '../../src/logs/log-record.js';

/** A log record as the store takes it: a successful kimi-k2.6 call, with `over` on top. */
export function logEntry(over: Partial<LogEntry> = {}): LogEntry {
  return {
    id: over.id ?? `log-${Math.random().toString(36).slice(2)}`,
    created_at_ms: Date.UTC(2026, 0, 1, 0, 0, 0),
    source: 'proxy',
    key_id: null,
    customer_identifier: null,
    user: null,
    trace_id: null,
    metadata: null,
    provider: 'moonshot',
    credential: 'main',
    model_requested: 'kimi',
    model: 'kimi-k2.6',
    stream: false,
    status: 200,
    error_type: null,
    error_message: null,
    attempts: [],
    adjustments: [],
    prompt_tokens: 10,
    completion_tokens: 5,
    cached_tokens: 0,
    reasoning_tokens: 0,
    cost_usd: 0.001,
    cost_details: null,
    latency_ms: 100,
    ttft_ms: null,
    overhead_ms: 1,
    request_json: null,
    response_json: null,
    ...over,
  };
}
