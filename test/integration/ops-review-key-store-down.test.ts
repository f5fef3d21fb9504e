import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyStore } from '../../src/keys/key-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { GLOBAL_KEY } from '../helpers/stack.js';
import { startLogsStack } from '../helpers/logs-stack.js';
import type { LogsStack } from '../helpers/logs-stack.js';

/**
 * The store stops answering (locked, gone): gateway keys and the admin key routes say so as the
 * log routes do, `503 store_unavailable` in the OpenAI shape, not `500 internal_error` (a bug,
 * to an operator's alerts); and a key seen a moment ago goes on being served, since proxying
 * needs no store (its records are spooled meanwhile).
 */
const MASTER = 'master-ops-review-key-store-down';

/** The real SQLite store, whose key calls fail while `down` is set. */
class KeysGoDown implements Store {
  down = false;
  readonly keys: KeyStore;
  constructor(private readonly inner: Store) {
    const keys = inner.keys;
    const guard =
      <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        if (this.down) throw new Error('database is locked');
        return fn(...args);
      };
    this.keys = {
      insertKey: guard((k) => keys.insertKey(k)),
      getKey: guard((id) => keys.getKey(id)),
      findKeyByHash: guard((h) => keys.findKeyByHash(h)),
      listKeys: guard(() => keys.listKeys()),
      updateKey: guard((id, p) => keys.updateKey(id, p)),
      addSpend: guard((id, usd, start) => keys.addSpend(id, usd, start)),
      addSpendOnce: guard((batch, charges) => keys.addSpendOnce(batch, charges)),
    };
  }
  get description() {
    return this.inner.description;
  }
  get logs() {
    return this.inner.logs;
  }
  get credentials() {
    return this.inner.credentials;
  }
  ping() {
    return this.inner.ping();
  }
  close() {
    return this.inner.close();
  }
}

let stack: LogsStack;
let store: KeysGoDown;
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
    store: async (dbPath) => (store = new KeysGoDown(await SqliteStore.open(dbPath))),
  });
});
afterAll(() => stack.close());

function expectUnavailable(res: { status: number; json: any }): void {
  expect(res.status).toBe(503);
  expect(res.json.error).toMatchObject({ type: 'api_error', code: 'store_unavailable' });
  expect(res.json.error.message).toMatch(/database is locked/);
}

describe('gateway keys while the store is down', () => {
  it('answers the admin key routes with 503 store_unavailable', async () => {
    const created = await stack.api('/admin/keys', { token: MASTER, body: { name: 'before' } });
    expect(created.status).toBe(201);
    store.down = true;
    try {
      expectUnavailable(await stack.api('/admin/keys', { token: MASTER }));
      expectUnavailable(await stack.api(`/admin/keys/${created.json.id}`, { token: MASTER }));
      expectUnavailable(await stack.api('/admin/keys', { token: MASTER, body: { name: 'during' } }));
      expectUnavailable(await stack.api(`/admin/keys/${created.json.id}`, { method: 'PATCH', token: MASTER, body: { rpm: 5 } }));
      expectUnavailable(await stack.api(`/admin/keys/${created.json.id}`, { method: 'DELETE', token: MASTER }));
    } finally {
      store.down = false;
    }
    // Nothing half-done: the key is as it was.
    expect((await stack.api(`/admin/keys/${created.json.id}`, { token: MASTER })).json).toMatchObject({ status: 'active', rpm: null });
  });

  it('serves a key seen a moment ago, and answers 503 with retry-after for one it cannot look up', async () => {
    const seen = await stack.api('/admin/keys', { token: MASTER, body: { name: 'seen' } });
    const unseen = await stack.api('/admin/keys', { token: MASTER, body: { name: 'unseen' } });
    const client = (key: string) => new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: key, maxRetries: 0 });
    const ask = (key: string) => client(key).chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi' }] });
    await ask(seen.json.key);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    store.down = true;
    try {
      expect((await ask(seen.json.key)).choices[0]?.message.content).toBeTruthy();
      const res = await fetch(`${stack.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${unseen.json.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.headers.get('retry-after')).toBe('1');
      expectUnavailable({ status: res.status, json: await res.json() });
    } finally {
      store.down = false;
    }
  });
});
