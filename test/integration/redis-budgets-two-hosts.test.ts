import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/index.js';
import { createGatewayWithStore } from '../../src/gateway.js';
import type { GatewayWithStore } from '../../src/gateway.js';
import { periodStart } from '../../src/keys/virtual-key.js';
import type { CreateKeyInput } from '../../src/keys/virtual-keys.js';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { REDIS_URL, testRedis } from '../helpers/redis.js';
import { GLOBAL_KEY } from '../helpers/stack.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import type { TcpProxy } from '../helpers/tcp-proxy.js';

/**
 * Two replicas as on two hosts: each its own SQLite file, both one Redis (through a TCP proxy the
 * last test cuts). A gateway key is the same key in both stores (as an operator who creates it on
 * one host and copies it to the other has it); its budget holds across both through Redis.
 */
const MASTER = 'master-redis-budgets-two-hosts';
const redis = testRedis();
let sim: Simulator;
let proxy: TcpProxy;
const dirs: string[] = [];
const gateways: { gateway: GatewayWithStore; url: string }[] = [];

beforeAll(async () => {
  sim = await startSimulator({ quiet: true });
  proxy = await startTcpProxy(Number(new URL(REDIS_URL).port || 6379));
  for (let i = 0; i < 2; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'moongate-two-hosts-'));
    dirs.push(dir);
    const yaml = `
master_key: ${MASTER}
redis: redis://127.0.0.1:${proxy.port}
store: sqlite:${join(dir, 'moongate.db')}
router: { retries: 0, cooldown: { fails: 1000 } }
providers:
  moonshot:
    regions: { global: ${sim.globalBaseUrl}, cn: ${sim.cnBaseUrl} }
    credentials: [{ name: main, api_key: ${GLOBAL_KEY} }]
`;
    const gateway = await createGatewayWithStore(parseConfigText(yaml, 'test.yaml', {}), { processMetrics: false, shared: { prefix: redis.prefix, commandTimeoutMs: 1_000 } });
    gateways.push({ gateway, url: await gateway.listen(0, '127.0.0.1') });
  }
});
afterAll(async () => {
  for (const { gateway } of gateways) await gateway.close(1_000);
  await proxy.stop();
  await sim.close();
  await redis.cleanup();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A key created on the first host and put, the same, into the second host's store. */
async function keyOnBothHosts(input: CreateKeyInput): Promise<{ id: string; key: string }> {
  const { key, record } = await gateways[0]!.gateway.keys.create(input);
  await gateways[1]!.gateway.observability.store.keys.insertKey(record);
  return { id: record.id, key };
}

const client = (i: number, apiKey: string) => new OpenAI({ baseURL: `${gateways[i]!.url}/v1`, apiKey, maxRetries: 0 });
const ask = (i: number, key: string, content = 'hi', maxTokens = 16) =>
  client(i, key).chat.completions.create({ model: 'moonshot/kimi-k2.6', max_tokens: maxTokens, messages: [{ role: 'user', content }] });
const outcome = (p: Promise<unknown>): Promise<number | string> =>
  p.then(
    () => 200,
    (e: any) => (e instanceof OpenAI.APIError ? `${e.status} ${e.code}: ${e.message}` : String(e)),
  );
const spendOn = async (i: number, id: string): Promise<number> => {
  const res = await fetch(`${gateways[i]!.url}/admin/keys/${id}`, { headers: { authorization: `Bearer ${MASTER}` } });
  return ((await res.json()) as { spend_usd: number }).spend_usd;
};

describe('replicas on two stores sharing one Redis', () => {
  it('hold a gateway key to its budget across both: spend on one host is refused on the other within about a second', async () => {
    // One request costs about $0.00007 (16 completion tokens at most): each host's own spend stays
    // under the budget, both together pass it.
    const { id, key } = await keyOnBothHosts({ name: 'two-hosts-spend', budget_usd: 0.0001, budget_period: 'day' });
    expect(await outcome(ask(1, key))).toBe(200);
    expect(await outcome(ask(0, key))).toBe(200);
    // Asked once, not polled: a request admitted meanwhile would spend on the second host's store.
    // Budgets in use are read from Redis every second: asked once the second host has read both.
    const shared = gateways[1]!.gateway.shared!.budgets;
    await expect.poll(() => shared.view(id, 'day', periodStart('day', Date.now())).spentUsd, { timeout: 3_000, interval: 50 }).toBeGreaterThan(0.0001);
    expect(await outcome(ask(1, key))).toMatch(/^429 budget_exceeded: (429 )?This gateway key has spent \$0\.0001\d+ of its \$0\.0001 per-day budget/);
    // Each store holds only its own host's charges, under the budget (the admin API shows that).
    await expect.poll(() => spendOn(0, id), { timeout: 3_000 }).toBeGreaterThan(0);
    await expect.poll(() => spendOn(1, id), { timeout: 3_000 }).toBeGreaterThan(0);
    const [first, second] = [await spendOn(0, id), await spendOn(1, id)];
    expect(first).toBeLessThan(0.0001);
    expect(second).toBeLessThan(0.0001);
    // The first host refuses too: the shared spend is the larger.
    expect(await outcome(ask(0, key))).toMatch(/^429 budget_exceeded/);
  });

  it('count a request in flight on one host against the budget on the other (its hold)', async () => {
    const { key } = await keyOnBothHosts({ name: 'two-hosts-hold', budget_usd: 0.01 });
    expect(await outcome(ask(1, key))).toBe(200);
    // Its estimate (50,000 completion tokens at $4 per million) holds the whole budget for 8 s:
    // surely still running when the other host is asked.
    const slow = outcome(ask(0, key, 'slow [[sim:latency=8000]]', 50_000));
    await expect
      .poll(() => outcome(ask(1, key)), { timeout: 3_000, interval: 100 })
      .toMatch(/^429 budget_exceeded: .*its requests in flight are expected to spend about \$0\.010000 more/);
    expect(await slow).toBe(200);
    // Released: the other host admits again once it has read that.
    await expect.poll(() => outcome(ask(1, key)), { timeout: 3_000, interval: 100 }).toBe(200);
  });

  it("count alone again while Redis is cut off: the other host's holds stop counting, new spend is not shared", async () => {
    const { id, key } = await keyOnBothHosts({ name: 'two-hosts-cut', budget_usd: 0.01 });
    expect(await outcome(ask(1, key))).toBe(200);
    // Still running when the second host is asked after the cut below (up to 3 s + 5 s).
    const slow = outcome(ask(0, key, 'slow [[sim:latency=12000]]', 50_000));
    const shared = gateways[1]!.gateway.shared!.budgets;
    await expect.poll(() => shared.view(id, 'total', 0).othersHeldUsd, { timeout: 3_000, interval: 50 }).toBeGreaterThan(0);
    expect(await outcome(ask(1, key))).toMatch(/^429 budget_exceeded: .*requests in flight/);
    await proxy.stop();
    try {
      // Three refreshes without Redis' answer: the other host's hold no longer counts here.
      await expect.poll(() => outcome(ask(1, key)), { timeout: 5_000, interval: 200 }).toBe(200);
      expect(await slow).toBe(200);
      const alone = await keyOnBothHosts({ name: 'two-hosts-cut-alone', budget_usd: 0.0001 });
      expect(await outcome(ask(0, alone.key))).toBe(200);
      expect(await outcome(ask(0, alone.key))).toBe(200);
      expect(await outcome(ask(0, alone.key))).toMatch(/^429 budget_exceeded/);
      // Nothing of the first host's spend reaches the second: it counts its own store's.
      expect(await outcome(ask(1, alone.key))).toBe(200);
      for (const { url } of gateways) {
        const ready: any = await (await fetch(`${url}/health/ready`)).json();
        expect(ready.checks.redis).toMatch(/^degraded/);
      }
    } finally {
      await proxy.start();
    }
  });
});
