import type Database from 'libsql';
import type { SqlArg, SqlValue } from '../sql/sql-value.js';

/** SQL text, or SQL with `?` placeholders and their values. */
export type SqlInput = string | { sql: string; args?: readonly SqlArg[] };

export interface SqlResult {
  /** Rows as objects, column name to value (integers as numbers). */
  rows: Record<string, SqlValue>[];
  /** Rows changed by an INSERT, UPDATE or DELETE. */
  rowsAffected: number;
}

export interface SqlTransaction {
  execute(statement: SqlInput): Promise<SqlResult>;
  commit(): Promise<void>;
  /** Rolls back unless committed. */
  close(): void;
}

/** Prepared statements kept per SQL text; queries built from filters vary, so the cache is bounded. */
const MAX_CACHED_STATEMENTS = 200;

/**
 * The calls the repositories make (execute, batch, transaction), on one libsql connection. The
 * driver is synchronous, so a call runs to its end before anything else on the thread: a
 * transaction's statements never interleave with another caller's, as long as nothing between
 * them waits for I/O. Statements are prepared once per SQL text. (@libsql/client, used before,
 * prepared every statement anew and cost each thread about 1 MB more, measured.)
 */
export class SqlClient {
  private readonly statements = new Map<string, Database.Statement>();

  /**
   * `assertFile`: throws when the database file is no longer the one open (see openSqliteClient);
   * run before every write and every read outside a transaction. A read from a deleted file
   * answered with records gone at the next start and none written since (the writer spools them).
   */
  constructor(
    private readonly db: Database.Database,
    readonly assertFile: () => void = () => undefined,
  ) {}

  async execute(statement: SqlInput): Promise<SqlResult> {
    if (this.db.inTransaction) return this.run(statement);
    if (this.prepare(sqlOf(statement)).reader) {
      this.assertFile();
      return this.run(statement);
    }
    // A write on its own runs in a transaction begun IMMEDIATE, so that a lock held by another
    // process fails the BEGIN rather than the statement. A statement that fails with "database is
    // locked" is left in progress by libsql (it has no reset), and every later COMMIT on the
    // connection fails with "SQL statements in progress": writes answered as done, never saved.
    return (await this.batch([statement], 'write'))[0]!;
  }

  /** Runs the statements in one transaction: all or none. */
  async batch(statements: readonly SqlInput[], mode: 'write' | 'read'): Promise<SqlResult[]> {
    this.assertFile();
    this.db.exec(mode === 'write' ? 'BEGIN IMMEDIATE' : 'BEGIN');
    try {
      const results = statements.map((s) => this.run(s));
      this.db.exec('COMMIT');
      return results;
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw err;
    }
  }

  /** A write transaction (BEGIN IMMEDIATE: it waits for another process's writer, up to busy_timeout). */
  async transaction(): Promise<SqlTransaction> {
    this.assertFile();
    this.db.exec('BEGIN IMMEDIATE');
    let done = false;
    return {
      execute: async (statement) => this.run(statement),
      commit: async () => {
        this.db.exec('COMMIT');
        done = true;
      },
      close: () => {
        if (!done && this.db.inTransaction) this.db.exec('ROLLBACK');
        done = true;
      },
    };
  }

  close(): void {
    this.statements.clear();
    this.db.close();
  }

  private run(statement: SqlInput): SqlResult {
    const args = typeof statement === 'string' ? undefined : statement.args;
    const prepared = this.prepare(sqlOf(statement));
    const params = (args ?? []) as SqlArg[];
    if (prepared.reader) return { rows: prepared.all(params) as Record<string, SqlValue>[], rowsAffected: 0 };
    return { rows: [], rowsAffected: prepared.run(params).changes };
  }

  private prepare(sql: string): Database.Statement {
    let prepared = this.statements.get(sql);
    if (!prepared) {
      prepared = this.db.prepare(sql);
      if (this.statements.size >= MAX_CACHED_STATEMENTS) this.statements.delete(this.statements.keys().next().value!);
      this.statements.set(sql, prepared);
    }
    return prepared;
  }
}

function sqlOf(statement: SqlInput): string {
  return typeof statement === 'string' ? statement : statement.sql;
}
