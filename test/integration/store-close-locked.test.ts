import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { logEntry } from '../helpers/log-entry.js';

/**
 * Closing the store (shutdown) while another process holds the SQLite write lock: the calls still
 * queued are refused at once, the one under way waits out the lock, and the writer thread ends on
 * its own. It used to be terminated in the middle of a native call after 5 s, and libsql's
 * bindings then aborted the whole process (a Rust panic, exit code 134). From the build.
 */
const workerEntry = new URL('../../dist/store/worker/store-worker.js', import.meta.url);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'moongate-close-locked-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entry = (id: string) => logEntry({ id });

describe('closing the store while another process holds the write lock', () => {
  it('refuses the queued calls, and the writer thread ends without being terminated', async () => {
    const path = join(dir, 'locked.db');
    const store = await openStore(`sqlite:${path}`, { thread: 'worker', workerEntry });
    const other = new Database(path);
    other.exec('BEGIN EXCLUSIVE');
    const writes = ['a', 'b', 'c', 'd'].map((id) => store.logs.insert([entry(id)]).then(() => 'stored', (err: Error) => err.message));
    // The lock goes after a while, as a backup or a second process would let it go.
    const release = setTimeout(() => other.exec('COMMIT'), 6_000);
    // The first write is under way (waiting for the lock), the others queued behind it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = Date.now();
    try {
      await store.close();
    } finally {
      clearTimeout(release);
      if (other.inTransaction) other.exec('COMMIT');
      other.close();
    }
    // Well before the 15 s after which a stuck thread is terminated.
    expect(Date.now() - started).toBeLessThan(12_000);
    const results = await Promise.all(writes);
    expect(results[0]).toMatch(/locked/);
    expect(results.slice(1)).toEqual(['the store is closing', 'the store is closing', 'the store is closing']);
  }, 30_000);
});

describe('key charges a shutdown could not write', () => {
  it('are written at the next start, once, and the file they waited in goes', async () => {
    const path = join(dir, 'charges.db');
    const first = await openStore(`sqlite:${path}`, { thread: 'worker', workerEntry });
    await first.keys.insertKey({
      id: 'key_kept', name: 'kept', key_hash: 'h', key_last4: 'abcd', models: null, budget_usd: 1, budget_period: 'total', rpm: null, tpm: null,
      expires_at: null, customer_identifier: null, metadata: null, created_at: 0, revoked_at: null, spend_usd: 0.25, spend_period_start: 0, spend_total_usd: 0.25,
    });
    await first.close();
    // What SpendCoalescer.close leaves when the store refused the charges until its deadline.
    writeFileSync(`${path}.charges.jsonl`, `${JSON.stringify({ id: 'key_kept', usd: 0.5, periodStart: 0 })}\n{"id": "half-wri\n`);

    const second = await openStore(`sqlite:${path}`, { thread: 'worker', workerEntry });
    try {
      expect(await second.keys.getKey('key_kept')).toMatchObject({ spend_usd: 0.75, spend_total_usd: 0.75 });
      expect(existsSync(`${path}.charges.jsonl`)).toBe(false);
    } finally {
      await second.close();
    }
    // Not written twice.
    const third = await openStore(`sqlite:${path}`, { thread: 'worker', workerEntry });
    try {
      expect((await third.keys.getKey('key_kept'))?.spend_total_usd).toBe(0.75);
    } finally {
      await third.close();
    }
    // A file a killed start had taken aside (only the charges it had not written yet are in it) is taken up again.
    writeFileSync(`${path}.charges.jsonl.4242-1700000000000-abc`, `${JSON.stringify({ id: 'key_kept', usd: 0.125, periodStart: 0 })}\n`);
    const fourth = await openStore(`sqlite:${path}`, { thread: 'worker', workerEntry });
    try {
      expect((await fourth.keys.getKey('key_kept'))?.spend_total_usd).toBe(0.875);
      expect(readdirSync(dir).filter((n) => n.startsWith('charges.db.charges'))).toEqual([]);
    } finally {
      await fourth.close();
    }
  });
});
