import type { LogRecord } from '../log-record.js';

/**
 * One record per line, in columns a person can scan:
 * `2026-01-31 12:00:00.123  200  moonshot/kimi-k2.6  main  stream  1.24s ttft 310ms  812→96 tok  $0.000892  <id>`
 */
export function formatLogLine(r: LogRecord): string {
  const time = r.created_at.replace('T', ' ').replace('Z', '');
  const model = r.provider && r.model ? `${r.provider}/${r.model}` : (r.model ?? r.model_requested ?? '-');
  const timing = [r.latency_ms === null ? '-' : duration(r.latency_ms), r.ttft_ms === null ? '' : `ttft ${duration(r.ttft_ms)}`].filter(Boolean).join(' ');
  const tokens = r.prompt_tokens === null && r.completion_tokens === null ? '- tok' : `${r.prompt_tokens ?? 0}→${r.completion_tokens ?? 0} tok`;
  const cost = r.cost_usd === null ? '$?' : `$${r.cost_usd.toFixed(6)}`;
  const parts = [time, String(r.status), model, r.credential ?? '-', r.stream ? 'stream' : 'json', timing, tokens, cost, r.id];
  if (r.source === 'ingested') parts.push('(ingested)');
  if (r.customer_identifier) parts.push(`customer=${r.customer_identifier}`);
  if (r.key_id) parts.push(`key=${r.key_id}`);
  if (r.error_type) parts.push(`${r.error_type}: ${oneLine(r.error_message ?? '').slice(0, 120)}`);
  return parts.join('  ');
}

function duration(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)}s` : `${Math.round(ms)}ms`;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ');
}
