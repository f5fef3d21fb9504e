import type { LogFilter, LogPosition } from '../store.js';
import type { SqlStatement, SqlValue } from './sql-value.js';

/**
 * The WHERE clause of a log query. Equality on one indexed column plus the (created_at, id)
 * range keeps every filtered page an index range scan. Row-value comparison is portable
 * (SQLite ≥ 3.15, PostgreSQL) and uses the index in both.
 */
export function logWhere(filter: LogFilter, after?: LogPosition): SqlStatement {
  const parts: string[] = [];
  const args: SqlValue[] = [];
  const eq = (column: string, value: SqlValue | undefined): void => {
    if (value === undefined) return;
    parts.push(`${column} = ?`);
    args.push(value);
  };
  eq('model', filter.model);
  eq('provider', filter.provider);
  eq('key_id', filter.key_id);
  eq('customer_identifier', filter.customer);
  eq('source', filter.source);
  if (filter.status === 'error') parts.push('is_error = 1');
  else if (filter.status === 'success') parts.push('is_error = 0');
  else eq('status', filter.status);
  if (filter.from_ms !== undefined) {
    parts.push('created_at >= ?');
    args.push(Math.floor(filter.from_ms));
  }
  if (filter.to_ms !== undefined) {
    parts.push('created_at < ?');
    args.push(Math.ceil(filter.to_ms));
  }
  if (after !== undefined) {
    parts.push('(created_at, id) < (?, ?)');
    args.push(after.created_at_ms, after.id);
  }
  return { sql: parts.length === 0 ? '' : `WHERE ${parts.join(' AND ')}`, args };
}
