/** The shapes of the gateway's JSON answers, as far as the dashboard reads them. */
export interface Attempt {
  provider: string | null;
  model: string | null;
  credential: string | null;
  status: number | null;
  error_type: string | null;
  error_message: string | null;
  started_ms: number | null;
  duration_ms: number | null;
}

export interface LogRecord {
  id: string;
  created_at: string;
  source: string;
  key_id: string | null;
  customer_identifier: string | null;
  provider: string | null;
  credential: string | null;
  model: string | null;
  model_requested: string | null;
  stream: boolean;
  status: number;
  error_type: string | null;
  error_message: string | null;
  attempts: Attempt[] | null;
  adjustments: string[] | string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  cached_tokens: number | null;
  reasoning_tokens: number | null;
  cost_usd: number | null;
  cost_details: Record<string, number> | null;
  latency_ms: number | null;
  ttft_ms: number | null;
  overhead_ms: number | null;
  metadata: unknown;
  user?: string | null;
  trace_id?: string | null;
  request: { messages?: ChatMessage[]; tools?: unknown; [k: string]: unknown } | null;
  response: { choices?: { message?: ChatMessage }[]; error?: unknown; [k: string]: unknown } | null;
}

export interface ChatMessage {
  role: string;
  content?: unknown;
  reasoning_content?: string;
  tool_calls?: { id?: string; function?: { name?: string; arguments?: string } }[];
  tool_call_id?: string;
  name?: string;
}

export interface Page<T> {
  data: T[];
  next_cursor?: string | null;
}

export interface UsageRow {
  bucket: string;
  group: string | null;
  requests: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  /** Null when every request of the row is unpriced. */
  cost_usd: number | null;
  unpriced_requests: number;
  p50_latency_ms: number | null;
  p95_latency_ms: number | null;
}

export interface KeyView {
  id: string;
  name: string;
  key_last4: string;
  models: string[] | null;
  budget_usd: number | null;
  budget_period: string;
  rpm: number | null;
  tpm: number | null;
  status: string;
  spend_usd: number;
  spend_total_usd: number;
  created_at: string;
  revoked_at: string | null;
  customer_identifier: string | null;
  key?: string;
}

export interface CredentialView {
  provider: string;
  name: string;
  key_last4: string;
  region: string | null;
  limits: { concurrency?: number; rpm?: number; tpm?: number } | null;
  source: string;
}

export interface CredentialHealth {
  credential: string;
  state: 'ok' | 'cooling_down' | 'disabled';
  reason?: string;
  until?: number;
  in_flight: number;
  deployments: { model: string; state: string; until?: number; last_error?: string }[];
}

export interface Readiness {
  status: string;
  checks: Record<string, string>;
  credentials?: CredentialHealth[];
  queue?: { waiting: number };
}
