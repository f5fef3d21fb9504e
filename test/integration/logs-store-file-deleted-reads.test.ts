import { copyFileSync, existsSync, mkdtempSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/index.js';
import { createGatewayWithStore } from '../../src/gateway.js';
import { openStore } from '../../src/store/open-store.js';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { GLOBAL_KEY } from '../helpers/stack.js';

/**
 * The database file deleted or replaced under a running gateway: the writer notices and spools,
 * but the reader thread kept the old file open and went on answering /v1/logs and /v1/usage from
 * it, records that are gone at the next start and none of the ones written since. Reads fail the
 * way writes do: 503 store_unavailable, saying the file was deleted. The store in worker threads,
 * from the build, as the gateway runs it.
 */
const workerEntry = new URL('../../dist/store/worker/store-worker.js', import.meta.url);
let sim: Simulator;
let dir: string;
beforeAll(async () => {
  sim = await startSimulator({ quiet: true });
  dir = mkdtempSync(join(tmpdir(), 'moongate-db-deleted-reads-'));
});
afterAll(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

async function boot(name: string) {
  const path = join(dir, name);
  const config = parseConfigText(
    `store: sqlite:${path}
router: { retries: 0 }
providers:
  moonshot:
    regions: { global: ${sim.globalBaseUrl}, cn: ${sim.cnBaseUrl} }
    credentials: [{ name: main, api_key: ${GLOBAL_KEY} }]
`,
    'test.yaml',
    {},
  );
  const store = await openStore(`sqlite:${path}`, { thread: 'worker', workerEntry });
  const gateway = await createGatewayWithStore(config, { store, spoolPath: `${path}.spool.jsonl`, processMetrics: false, writer: { flushIntervalMs: 10, retryMinMs: 50, warn: () => {} } });
  const url = await gateway.listen(0, '127.0.0.1');
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'open-mode', maxRetries: 0 });
  const close = async () => {
    await gateway.close();
    await store.close();
  };
  return { gateway, url, client, path, close };
}

const ask = (client: OpenAI) => client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi' }] });

describe('reads from a database file deleted or replaced while the gateway runs', () => {
  for (const how of ['deleted', 'replaced by another file'] as const) {
    it(`answer 503 saying the file was ${how}, not the old file's records`, async () => {
      const g = await boot(how === 'deleted' ? 'deleted.db' : 'replaced.db');
      try {
        await ask(g.client);
        await expect.poll(() => g.gateway.observability.writer.stats.written).toBe(1);
        // The reader thread is started, with the file open.
        expect(((await (await fetch(`${g.url}/v1/logs`)).json()) as { data: unknown[] }).data).toHaveLength(1);

        if (how === 'deleted') {
          for (const suffix of ['', '-wal', '-shm']) unlinkSync(`${g.path}${suffix}`);
        } else {
          copyFileSync(g.path, `${g.path}.copy`);
          renameSync(`${g.path}.copy`, g.path);
        }
        for (const route of ['/v1/logs', '/v1/usage?group_by=model', '/v1/logs/anything']) {
          const res = await fetch(`${g.url}${route}`);
          const body = (await res.json()) as { error?: { code: string; message: string } };
          expect({ route, status: res.status, retryAfter: res.headers.get('retry-after') }).toEqual({ route, status: 503, retryAfter: '1' });
          expect(body.error?.code).toBe('store_unavailable');
          expect(body.error?.message).toContain(`was ${how} while Moongate had it open`);
        }
      } finally {
        await g.close();
      }
    });
  }

  it('answers 503 too when the first query comes after the file was deleted (the reader does not create an empty file)', async () => {
    const g = await boot('deleted-before-reader.db');
    try {
      await ask(g.client);
      await expect.poll(() => g.gateway.observability.writer.stats.written).toBe(1);
      for (const suffix of ['', '-wal', '-shm']) unlinkSync(`${g.path}${suffix}`);
      const res = await fetch(`${g.url}/v1/logs`);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(((await res.json()) as { error: { message: string } }).error.message).toContain('was deleted while Moongate had it open');
      expect(existsSync(g.path)).toBe(false);
    } finally {
      await g.close();
    }
  });
});
