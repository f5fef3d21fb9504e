import Database from 'libsql';
import type { LogEntry } from '../../logs/log-record.js';
import { LOG_COLUMNS, entryValues } from '../sql/log-columns.js';

/**
 * Log inserts through one statement prepared once, on a connection of their own to the same
 * file. The log writer's batches are the store's busiest work, and @libsql/client prepares every
 * statement anew (a tenth of the writer thread's time, measured). Each batch is one transaction
 * run synchronously from BEGIN to COMMIT, so it never interleaves with the other connection's
 * work on this thread.
 */
export class SqliteLogInserter {
  private constructor(
    private readonly db: Database.Database,
    private readonly insertAll: Database.Transaction<(entries: LogEntry[]) => void>,
  ) {}

  /** `path` must be a file whose schema is migrated already (by the store's main connection). */
  static open(path: string): SqliteLogInserter {
    const db = new Database(path);
    try {
      db.exec('PRAGMA busy_timeout = 5000');
      db.exec('PRAGMA synchronous = NORMAL');
      const insert = db.prepare(
        `INSERT INTO request_logs (${LOG_COLUMNS.join(', ')}) VALUES (${LOG_COLUMNS.map(() => '?').join(', ')}) ON CONFLICT (id) DO NOTHING`,
      );
      const insertAll = db.transaction((entries: LogEntry[]) => {
        for (const entry of entries) insert.run(entryValues(entry));
      });
      return new SqliteLogInserter(db, insertAll);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  insert(entries: LogEntry[]): void {
    // IMMEDIATE: take the write lock at BEGIN, so a second process on the file makes us wait
    // (busy_timeout) rather than fail halfway through the batch.
    this.insertAll.immediate(entries);
  }

  close(): void {
    this.db.close();
  }
}
