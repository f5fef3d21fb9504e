import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/index.js';
import { createGatewayWithStore } from '../../src/gateway.js';
import type { GatewayWithStore } from '../../src/gateway.js';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { REDIS_URL, testRedis } from '../helpers/redis.js';
import { GLOBAL_KEY } from '../helpers/stack.js';

/**
 * Two replicas as `moongate start` runs them (createGatewayWithStore): one SQLite file, one Redis.
 * Gateway keys live in the shared store; their rpm is counted in Redis, so it holds across both.
 */
const MASTER = 'master-redis-replicas-store';
const redis = testRedis();
let sim: Simulator;
let dir: string;
const gateways: { gateway: GatewayWithStore; url: string }[] = [];

beforeAll(async () => {
  sim = await startSimulator({ quiet: true });
  dir = mkdtempSync(join(tmpdir(), 'moongate-replicas-'));
  const yaml = `
master_key: ${MASTER}
redis: ${REDIS_URL}
store: sqlite:${join(dir, 'moongate.db')}
router: { retries: 0, cooldown: { fails: 1000 } }
providers:
  moonshot:
    regions: { global: ${sim.globalBaseUrl}, cn: ${sim.cnBaseUrl} }
    credentials: [{ name: main, api_key: ${GLOBAL_KEY} }]
`;
  for (let i = 0; i < 2; i++) {
    const gateway = await createGatewayWithStore(parseConfigText(yaml, 'test.yaml', {}), { processMetrics: false, shared: { prefix: redis.prefix, commandTimeoutMs: 1_000 } });
    gateways.push({ gateway, url: await gateway.listen(0, '127.0.0.1') });
  }
});
afterAll(async () => {
  for (const { gateway } of gateways) await gateway.close(1_000);
  await sim.close();
  await redis.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const client = (i: number, apiKey: string) => new OpenAI({ baseURL: `${gateways[i]!.url}/v1`, apiKey, maxRetries: 0 });
const ask = (i: number, key: string) => client(i, key).chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi' }] });

describe('replicas on one store and one Redis', () => {
  it('hold a gateway key to its rpm across both', async () => {
    const res = await fetch(`${gateways[0]!.url}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'shared-rpm', rpm: 2 }),
    });
    const { key } = (await res.json()) as { key: string };
    await ask(0, key);
    await ask(1, key);
    const err: any = await ask(0, key).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.status).toBe(429);
    expect(err.code).toBe('rate_limit_exceeded');
    expect(err.message).toMatch(/2 requests per minute/);
    expect(((await ask(1, key).catch((e: unknown) => e)) as any).status).toBe(429);
  });

  it('share a gateway key budget through their one store (and Redis): spend on one is refused on the other', async () => {
    const admin = (i: number, path: string, body?: unknown) =>
      fetch(`${gateways[i]!.url}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }).then((r) => r.json() as Promise<any>);
    const { id, key } = await admin(0, '/admin/keys', { name: 'shared-budget', budget_usd: 0.00001 });
    await ask(0, key);
    // The charge made on the first replica reaches the store (every 200 ms), where the second reads it.
    await expect.poll(async () => (await admin(1, `/admin/keys/${id}`)).spend_usd, { timeout: 5_000, interval: 100 }).toBeGreaterThan(0.00001);
    const err: any = await ask(1, key).catch((e: unknown) => e);
    expect(err.status).toBe(429);
    expect(err.code).toBe('budget_exceeded');
  });

  it('report Redis in /health/ready and /metrics', async () => {
    for (const { url } of gateways) {
      const ready: any = await (await fetch(`${url}/health/ready`)).json();
      expect(ready.checks.redis).toBe('ok');
      const metrics = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${MASTER}` } })).text();
      expect(metrics).toMatch(/^moongate_redis_up 1$/m);
    }
  });
});
