import type { UsageGroup, UsageInterval, UsageQuery } from '../store.js';
import { logWhere } from './log-filters.js';
import type { SqlStatement } from './sql-value.js';

const BUCKET_MS: Record<UsageInterval, number> = { hour: 3_600_000, day: 86_400_000 };

const GROUP_EXPR: Record<UsageGroup, string> = {
  model: "CASE WHEN provider IS NULL THEN model ELSE provider || '/' || model END",
  provider: 'provider',
  key: 'key_id',
  customer: 'customer_identifier',
};

/**
 * `GET /v1/usage` as two portable statements over the same rows, joined on (bucket, grp) by the
 * caller: plain aggregates (one pass), and nearest-rank p50/p95 latency, where a window function
 * numbers each group's latencies in order and the percentile is the first latency whose rank
 * reaches p × count. Kept apart because only the percentiles need the sort.
 */
export function usageStatements(query: UsageQuery): { aggregates: SqlStatement; percentiles: SqlStatement } {
  const where = logWhere(query);
  const bucketMs = BUCKET_MS[query.interval];
  const bucket = `(created_at / ${bucketMs}) * ${bucketMs}`;
  const group = GROUP_EXPR[query.group_by];
  const aggregates = `
SELECT ${bucket} AS bucket, ${group} AS grp,
       COUNT(*) AS requests,
       SUM(is_error) AS errors,
       COALESCE(SUM(prompt_tokens), 0) AS prompt_tokens,
       COALESCE(SUM(completion_tokens), 0) AS completion_tokens,
       COALESCE(SUM(cached_tokens), 0) AS cached_tokens,
       -- NULL when every record is unpriced: an unknown cost is not $0 (SUM skips NULLs).
       SUM(cost_usd) AS cost_usd,
       SUM(CASE WHEN cost_usd IS NULL THEN 1 ELSE 0 END) AS unpriced_requests
FROM request_logs ${where.sql}
GROUP BY ${bucket}, ${group}
ORDER BY bucket, grp`;
  const latencyWhere = where.sql === '' ? 'WHERE latency_ms IS NOT NULL' : `${where.sql} AND latency_ms IS NOT NULL`;
  const percentiles = `
SELECT bucket, grp,
       MIN(CASE WHEN latency_rank >= 0.5 * latency_count THEN latency_ms END) AS p50_latency_ms,
       MIN(CASE WHEN latency_rank >= 0.95 * latency_count THEN latency_ms END) AS p95_latency_ms
FROM (
  SELECT ${bucket} AS bucket, ${group} AS grp, latency_ms,
         ROW_NUMBER() OVER (PARTITION BY ${bucket}, ${group} ORDER BY latency_ms) AS latency_rank,
         COUNT(*) OVER (PARTITION BY ${bucket}, ${group}) AS latency_count
  FROM request_logs ${latencyWhere}
) ranked
GROUP BY bucket, grp`;
  return { aggregates: { sql: aggregates, args: where.args }, percentiles: { sql: percentiles, args: where.args } };
}
