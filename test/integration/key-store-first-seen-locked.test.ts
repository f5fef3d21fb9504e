import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { GLOBAL_KEY } from '../helpers/stack.js';
import { startLogsStack } from '../helpers/logs-stack.js';
import type { LogsStack } from '../helpers/logs-stack.js';
import type { VirtualKey } from '../../src/keys/virtual-key.js';

/**
 * A gateway key this process has not seen yet, first used while another process holds the
 * SQLite write lock: its lookup went to the writer thread, behind log batches each waiting out
 * the lock (busy_timeout, 5 s), so the request waited seconds though a WAL reader could answer at
 * once. The store in worker threads, from the build, as the gateway runs it.
 */
const MASTER = 'master-key-store-first-seen-locked';
const workerEntry = new URL('../../dist/store/worker/store-worker.js', import.meta.url);

let stack: LogsStack;
beforeAll(async () => {
  stack = await startLogsStack({
    configYaml: `
master_key: ${MASTER}
router: { retries: 0 }
providers:
  moonshot:
    regions: { global: \${SIM}/v1, cn: \${SIM}/cn/v1 }
    credentials: [{ name: main, api_key: ${GLOBAL_KEY} }]
`,
    store: (dbPath) => openStore(`sqlite:${dbPath}`, { thread: 'worker', workerEntry }),
  });
});
afterAll(() => stack.close());

const ask = (apiKey: string) =>
  new OpenAI({ baseURL: `${stack.url}/v1`, apiKey, maxRetries: 0 }).chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi' }] });

describe('a gateway key first seen while another process holds the store’s write lock', () => {
  it('is looked up without queueing behind the log writer’s batches', async () => {
    const created = await stack.api('/admin/keys', { token: MASTER, body: { name: 'first-seen' } });
    expect(created.status).toBe(201);

    const other = new Database(stack.dbPath);
    other.exec('PRAGMA busy_timeout = 5000');
    other.exec('BEGIN EXCLUSIVE');
    let tookMs: number;
    try {
      // Records to write: their batches now wait out the lock on the writer thread.
      await ask(MASTER);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await ask(MASTER);
      const started = performance.now();
      const answer = await ask(created.json.key);
      tookMs = performance.now() - started;
      expect(answer.choices[0]?.message.content).toBeTruthy();
    } finally {
      other.exec('COMMIT');
      other.close();
    }
    // Measured before the fix: about 5 s (a batch's wait for the lock, or more). A reader
    // thread's first start (~0.3 s of CPU) is the most it may cost now.
    console.log(`first-seen key served in ${Math.round(tookMs)} ms while the lock was held`);
    expect(tookMs).toBeLessThan(1_500);
    // Once the lock is gone everything was logged.
    await stack.flush();
    const logs = await stack.api(`/v1/logs?key_id=${created.json.id}`, { token: MASTER });
    expect(logs.json.data).toHaveLength(1);
  }, 30_000);
});

describe('a key looked up on the reader while the writer waits out the lock', () => {
  it('carries the charges this process made to it before the lookup', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moongate-first-seen-charges-'));
    const path = join(dir, 'moongate.db');
    const store = await openStore(`sqlite:${path}`, { thread: 'worker', workerEntry });
    try {
      const key = (id: string): VirtualKey => ({
        id, name: id, key_hash: `hash-${id}`, key_last4: 'abcd', models: null, budget_usd: 5, budget_period: 'total', rpm: null, tpm: null,
        expires_at: null, customer_identifier: null, metadata: null, created_at: 0, revoked_at: null, spend_usd: 0, spend_period_start: 0, spend_total_usd: 0,
      });
      await store.keys.insertKey(key('key_charged'));
      const other = new Database(path);
      other.exec('BEGIN EXCLUSIVE');
      // The writer busy: a write waiting out the lock.
      const waiting = store.keys.insertKey(key('key_other'));
      await new Promise((resolve) => setTimeout(resolve, 50));
      // A charge still being gathered (sent within 200 ms), then the lookup, on the reader.
      const charged = store.keys.addSpend('key_charged', 1, 0);
      const found = store.keys.findKeyByHash('hash-key_charged');
      setTimeout(() => {
        other.exec('COMMIT');
        other.close();
      }, 300);
      expect((await found)?.spend_total_usd).toBe(1);
      await Promise.all([waiting, charged]);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
