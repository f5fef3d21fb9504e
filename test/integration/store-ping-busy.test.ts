import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { logEntry } from '../helpers/log-entry.js';

/**
 * Another process holds the SQLite write lock (a second gateway on the file, a backup): the
 * writer thread waits it out (busy_timeout, 5 s) batch after batch, while records are spooled.
 * The readiness ping must not queue behind those waits: probes time out after 1 s by default in
 * Kubernetes, and the gateway would drop out of rotation for as long as the lock is held. From
 * the build.
 */
const workerEntry = new URL('../../dist/store/worker/store-worker.js', import.meta.url);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'moongate-ping-busy-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the readiness ping while the writer waits for a lock', () => {
  it('answers within a second', async () => {
    const path = join(dir, 'locked.db');
    const store = await openStore(`sqlite:${path}`, { thread: 'worker', workerEntry });
    const other = new Database(path);
    other.exec('BEGIN EXCLUSIVE');
    try {
      const write = store.logs.insert([logEntry({ id: 'a' })]).then(() => 'stored', (err: Error) => err.message);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const started = Date.now();
      await store.ping();
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(await write).toMatch(/locked/);
    } finally {
      other.exec('COMMIT');
      other.close();
      await store.close();
    }
  }, 30_000);
});
