import { existsSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { LogRepository, Store } from '../../src/store/store.js';
import { allLogs, startLogsStack } from '../helpers/logs-stack.js';
import type { LogsStack } from '../helpers/logs-stack.js';

/**
 * A store that can be taken down: every call fails while `down` is set, as a database that is
 * unreachable, locked or out of disk would. Wraps the real SQLite store at the Store interface.
 */
class FailingStore implements Store {
  down = false;
  readonly logs: LogRepository;
  constructor(private readonly inner: Store) {
    const guard =
      <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        if (this.down) throw new Error('database is locked');
        return fn(...args);
      };
    this.logs = {
      insert: guard((e) => inner.logs.insert(e)),
      get: guard((id) => inner.logs.get(id)),
      list: guard((q) => inner.logs.list(q)),
      usage: guard((q) => inner.logs.usage(q)),
      deleteOlderThan: guard((c, l) => inner.logs.deleteOlderThan(c, l)),
    };
  }
  get description() {
    return this.inner.description;
  }
  get keys() {
    return this.inner.keys;
  }
  get credentials() {
    return this.inner.credentials;
  }
  async ping() {
    if (this.down) throw new Error('database is locked');
    await this.inner.ping();
  }
  close() {
    return this.inner.close();
  }
}

let stack: LogsStack;
let store: FailingStore;
beforeAll(async () => {
  stack = await startLogsStack({
    store: async (dbPath) => (store = new FailingStore(await SqliteStore.open(dbPath))),
  });
});
afterAll(() => stack.close());

async function chat(i: number): Promise<string> {
  const { response } = await stack.client.chat.completions
    .create({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: `[[sim:tokens=${(i % 5) + 1}]] request ${i}` }] })
    .withResponse();
  return response.headers.get('x-moongate-request-id')!;
}

async function streamed(i: number): Promise<string> {
  const { data, response } = await stack.client.chat.completions.create({ model: 'moonshot/kimi-k2.5', messages: [{ role: 'user', content: `stream ${i}` }], stream: true }).withResponse();
  for await (const _chunk of data) {
    // read to the end
  }
  return response.headers.get('x-moongate-request-id')!;
}

describe('the store goes away mid-run', () => {
  it('spools while it is down, answers requests as usual, and loses nothing once it is back', async () => {
    const ids: string[] = [];
    ids.push(...(await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? streamed(i) : chat(i))))));
    await stack.flush();

    store.down = true;
    // Requests keep working while the store is down; their records go to the spool file.
    ids.push(...(await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 3 ? chat(100 + i) : streamed(100 + i))))));
    await stack.flush();
    const stats = stack.gateway.observability.writer.stats;
    expect(stats.storeHealthy).toBe(false);
    expect(stats.spooled).toBe(30);
    const spoolPath = stack.gateway.observability.spoolPath;
    expect(existsSync(spoolPath) && statSync(spoolPath).size).toBeGreaterThan(0);

    const ready = await stack.api('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.json.checks.store).toContain('database is locked');
    // Log writes are reported on their own: a store that answers pings can still refuse them.
    expect(ready.json.checks.log_writes).toMatch(/^degraded: the store is not accepting log records; they are spooled to .*\(\d+ bytes waiting\)$/);
    // The log queries cannot be answered: 503 with a time to try again, as the key routes say it.
    for (const route of ['/v1/logs', '/v1/logs/log_anything', '/v1/usage?group_by=model']) {
      const res = await fetch(`${stack.url}${route}`);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect({ route, status: res.status, retryAfter: res.headers.get('retry-after') }).toEqual({ route, status: 503, retryAfter: '1' });
      expect(body.error.code).toBe('store_unavailable');
      expect(body.error.message).toContain('The log store is not available: database is locked');
    }
    // Ingestion does not wait for the store: its records are spooled with the others, and kept.
    for (const route of ['/v1/logs', '/api/request-logs/create/']) {
      const ingested = await stack.api(route, { body: { model: 'kimi-k2.6', prompt_tokens: 10, completion_tokens: 2 } });
      expect({ route, status: ingested.status }).toEqual({ route, status: 201 });
      ids.push(ingested.json.id);
    }
    const metricsWhileDown = (await stack.api('/metrics')).text;
    expect(metricsWhileDown).toMatch(/^moongate_log_store_up 0$/m);
    expect(metricsWhileDown).toMatch(/^moongate_log_spool_bytes [1-9]\d*$/m);

    // A few more after the outage began, then the store comes back.
    ids.push(...(await Promise.all(Array.from({ length: 5 }, (_, i) => chat(200 + i)))));
    store.down = false;
    const deadline = Date.now() + 10_000;
    while (!(stack.gateway.observability.writer.stats.storeHealthy && stack.gateway.observability.writer.stats.spoolBytes === 0)) {
      if (Date.now() > deadline) throw new Error('the spool was not replayed');
      await new Promise((r) => setTimeout(r, 20));
    }
    ids.push(...(await Promise.all(Array.from({ length: 5 }, (_, i) => streamed(300 + i)))));
    await stack.flush();

    const records = await allLogs(stack);
    expect(records).toHaveLength(ids.length);
    expect(new Set(records.map((r) => r.id))).toEqual(new Set(ids));
    expect(records.every((r) => r.prompt_tokens > 0 && r.cost_usd > 0)).toBe(true);
    const readyAgain = await stack.api('/health/ready');
    expect(readyAgain.status).toBe(200);
    expect(readyAgain.json.checks).toMatchObject({ store: 'ok', log_writes: 'ok' });
    const after = stack.gateway.observability.writer.stats;
    expect(after.replayed).toBe(after.spooled);
    expect((await stack.api('/metrics')).text).toMatch(/^moongate_log_store_up 1$/m);
  });
});
