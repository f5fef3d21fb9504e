import Database from 'libsql';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqlClient } from './sql-client.js';

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
});
