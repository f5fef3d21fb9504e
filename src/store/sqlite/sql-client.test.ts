import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqlClient } from './sql-client.js';
import { openSqliteClient } from './sqlite-client.js';

let client: SqlClient;
beforeEach(async () => {
  client = new SqlClient(new Database(':memory:'));
  await client.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL)');
});
afterEach(() => client.close());

describe('SqlClient', () => {
  it('returns rows by column name for queries, and the changed-row count for writes', async () => {
    expect(await client.execute({ sql: 'INSERT INTO t (id, name, score) VALUES (?, ?, ?), (?, ?, ?)', args: [1, 'a', 1.5, 2, 'b', null] })).toEqual({ rows: [], rowsAffected: 2 });
    expect((await client.execute('SELECT id, name, score FROM t ORDER BY id')).rows).toEqual([
      { id: 1, name: 'a', score: 1.5 },
      { id: 2, name: 'b', score: null },
    ]);
    expect((await client.execute({ sql: 'DELETE FROM t WHERE id > ?', args: [0] })).rowsAffected).toBe(2);
  });

  it('runs a batch all or nothing', async () => {
    await client.batch([{ sql: 'INSERT INTO t (id, name) VALUES (?, ?)', args: [1, 'a'] }, "INSERT INTO t (id, name) VALUES (2, 'b')"], 'write');
    // The second row breaks NOT NULL: the first must not stay.
    const failed = client.batch([{ sql: 'INSERT INTO t (id, name) VALUES (?, ?)', args: [3, 'c'] }, { sql: 'INSERT INTO t (id, name) VALUES (?, ?)', args: [4, null] }], 'write');
    await expect(failed).rejects.toThrow(/NOT NULL/);
    expect((await client.execute('SELECT id FROM t ORDER BY id')).rows.map((r) => r.id)).toEqual([1, 2]);
  });

  it('commits a transaction, and rolls back one closed without commit', async () => {
    const tx = await client.transaction();
    await tx.execute("INSERT INTO t (id, name) VALUES (1, 'kept')");
    await tx.commit();
    tx.close();
    const abandoned = await client.transaction();
    await abandoned.execute("INSERT INTO t (id, name) VALUES (2, 'dropped')");
    abandoned.close();
    expect((await client.execute('SELECT name FROM t')).rows).toEqual([{ name: 'kept' }]);
  });

  it('keeps working past its cache of prepared statements', async () => {
    for (let i = 0; i < 250; i++) await client.execute({ sql: `INSERT INTO t (id, name) VALUES (?, 'n${i}')`, args: [i] });
    expect((await client.execute('SELECT COUNT(*) AS n FROM t')).rows[0]!.n).toBe(250);
  });

  it("saves a write made after another process's lock made one fail (the failed statement must not stay in progress)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moongate-sql-'));
    const path = join(dir, 'locked.db');
    const other = new Database(path);
    other.exec('PRAGMA journal_mode = WAL');
    other.exec('CREATE TABLE k (id TEXT PRIMARY KEY, revoked INTEGER NOT NULL DEFAULT 0)');
    other.exec("INSERT INTO k (id) VALUES ('victim'), ('bystander')");
    const db = new Database(path);
    db.exec('PRAGMA busy_timeout = 50');
    const locked = new SqlClient(db);
    try {
      other.exec('BEGIN EXCLUSIVE');
      await expect(locked.execute({ sql: 'UPDATE k SET revoked = 1 WHERE id = ?', args: ['bystander'] })).rejects.toThrow(/locked/);
      other.exec('COMMIT');
      // The lock is gone: other writes now are saved, and seen by another connection.
      await locked.batch([{ sql: 'INSERT INTO k (id) VALUES (?)', args: ['new'] }], 'write');
      expect((await locked.execute({ sql: 'UPDATE k SET revoked = ? WHERE id = ?', args: [1, 'victim'] })).rowsAffected).toBe(1);
      expect(other.prepare('SELECT id, revoked FROM k ORDER BY id').all()).toEqual([
        { id: 'bystander', revoked: 0 },
        { id: 'new', revoked: 0 },
        { id: 'victim', revoked: 1 },
      ]);
    } finally {
      locked.close();
      other.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a database file Moongate creates', () => {
  it('gets 16 KB pages; an existing file keeps the page size it has', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moongate-pages-'));
    try {
      const fresh = await openSqliteClient(join(dir, 'new.db'), 'writer');
      await fresh.execute('CREATE TABLE t (x INTEGER)');
      expect((await fresh.execute('PRAGMA page_size')).rows[0]).toMatchObject({ page_size: 16_384 });
      fresh.close();
      const old = new Database(join(dir, 'old.db'));
      old.exec('CREATE TABLE t (x INTEGER)');
      old.close();
      const existing = await openSqliteClient(join(dir, 'old.db'), 'writer');
      expect((await existing.execute('PRAGMA page_size')).rows[0]).toMatchObject({ page_size: 4_096 });
      existing.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
