import type { SqlClient } from './sql-client.js';
import type { LogEntry, LogRecord } from '../../logs/log-record.js';
import { LOG_COLUMNS, SUMMARY_COLUMNS, entryValues, recordFromRow } from '../sql/log-columns.js';
import type { LogRow } from '../sql/log-columns.js';
import { logWhere } from '../sql/log-filters.js';
import { roundUsd } from '../../pricing/compute-cost.js';
import type { SqlArg, SqlValue } from '../sql/sql-value.js';
import { usageStatements } from '../sql/usage-sql.js';
import type { LogListQuery, LogPage, LogRepository, UsageQuery, UsageRow } from '../store.js';

const BODY_COLUMNS: ReadonlySet<string> = new Set(['request', 'response']);

/**
 * One row per statement: prepared once (SqlClient keeps it), then run for each record of a batch
 * inside one transaction. A multi-row statement built per batch had to be prepared every time
 * (a tenth of the writer thread's time, measured). A body may come as its UTF-8 bytes, which
 * SQLite would keep as a BLOB: the cast keeps it text, the same bytes (and changes no string).
 */
const INSERT_ONE = `INSERT INTO request_logs (${LOG_COLUMNS.join(', ')}) VALUES (${LOG_COLUMNS.map((column) => (BODY_COLUMNS.has(column) ? 'CAST(? AS TEXT)' : '?')).join(', ')}) ON CONFLICT (id) DO NOTHING`;

export class SqliteLogRepository implements LogRepository {
  constructor(private readonly client: SqlClient) {}

  async insert(entries: LogEntry[]): Promise<void> {
    await this.insertValues(entries.map(entryValues));
  }

  /** `insert`, with each record already turned into its column values (`entryValues`). */
  async insertValues(rows: SqlArg[][]): Promise<void> {
    if (rows.length === 0) return;
    // BEGIN IMMEDIATE: another process on the file makes the batch wait (busy_timeout), not fail halfway.
    await this.client.batch(
      rows.map((args) => ({ sql: INSERT_ONE, args })),
      'write',
    );
  }

  async get(id: string): Promise<LogRecord | undefined> {
    const result = await this.client.execute({ sql: `SELECT ${LOG_COLUMNS.join(', ')} FROM request_logs WHERE id = ?`, args: [id] });
    const row = result.rows[0];
    return row ? recordFromRow(row as unknown as LogRow) : undefined;
  }

  async list(query: LogListQuery): Promise<LogPage> {
    const where = logWhere(query, query.after);
    const columns = query.omit_bodies ? SUMMARY_COLUMNS : LOG_COLUMNS;
    const result = await this.client.execute({
      sql: `SELECT ${columns.join(', ')} FROM request_logs ${where.sql} ORDER BY created_at DESC, id DESC LIMIT ?`,
      args: [...where.args, query.limit + 1],
    });
    const rows = result.rows as unknown as LogRow[];
    const records = rows.slice(0, query.limit).map(recordFromRow);
    const last = rows.length > query.limit ? rows[query.limit - 1] : undefined;
    return last ? { records, next: { created_at_ms: Number(last.created_at), id: String(last.id) } } : { records };
  }

  async usage(query: UsageQuery): Promise<UsageRow[]> {
    const { aggregates, percentiles } = usageStatements(query);
    const [totals, ranks] = await Promise.all([
      this.client.execute({ sql: aggregates.sql, args: aggregates.args }),
      this.client.execute({ sql: percentiles.sql, args: percentiles.args }),
    ]);
    const key = (r: Record<string, SqlValue>) => `${String(r.bucket)}\u0000${r.grp === null ? '\u0001' : String(r.grp)}`;
    const latency = new Map((ranks.rows as unknown as Record<string, SqlValue>[]).map((r) => [key(r), r]));
    return (totals.rows as unknown as Record<string, SqlValue>[]).map((r) => {
      const p = latency.get(key(r));
      return {
        bucket_ms: Number(r.bucket),
        group: r.grp === null ? null : String(r.grp),
        requests: Number(r.requests),
        errors: Number(r.errors ?? 0),
        prompt_tokens: Number(r.prompt_tokens),
        completion_tokens: Number(r.completion_tokens),
        cached_tokens: Number(r.cached_tokens),
        // Each record's cost is kept to 1e-12 USD; the sum is rounded so, dropping the float noise SUM adds.
        cost_usd: r.cost_usd === null ? null : roundUsd(Number(r.cost_usd)),
        unpriced_requests: Number(r.unpriced_requests ?? 0),
        p50_latency_ms: p?.p50_latency_ms == null ? null : Number(p.p50_latency_ms),
        p95_latency_ms: p?.p95_latency_ms == null ? null : Number(p.p95_latency_ms),
      };
    });
  }

  async deleteOlderThan(cutoffMs: number, limit: number): Promise<number> {
    const result = await this.client.execute({
      sql: 'DELETE FROM request_logs WHERE id IN (SELECT id FROM request_logs WHERE created_at < ? ORDER BY created_at LIMIT ?)',
      args: [Math.floor(cutoffMs), limit],
    });
    return result.rowsAffected;
  }
}
