import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/index.js';
import { createGateway, loadSharedState } from '../../src/gateway.js';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { CLOSED_REDIS_URL, REDIS_URL, testRedis } from '../helpers/redis.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

/**
 * Replicas sharing one Redis (the `redis` key): two real gateways in front of the simulator, with
 * the openai SDK as the client. Each test has its own key prefix, so nothing leaks between runs.
 */
const KEY = 'sk-shared-state-0001';
const REVOKED = 'sk-revoked-shared-state';

const redis = testRedis();
let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ quiet: true });
});
afterAll(async () => {
  await sim.close();
  await redis.cleanup();
});
beforeEach(() => sim.reset());

let run = 0;
interface Replica {
  url: string;
  client: OpenAI;
  ready(): Promise<any>;
  close(): Promise<void>;
}

/**
 * A gateway with `redis` set; `prefix` puts replicas of one test on the same shared state.
 * `patient`: Redis commands may take up to 1 s rather than 50 ms, so that a loaded test machine
 * does not make a replica count alone in a test about sharing.
 */
async function replica(yaml: string, redisUrl: string, prefix: string, patient = true): Promise<Replica> {
  const text = `redis: ${redisUrl}\n${yaml.replaceAll('${SIM}', sim.url)}`;
  const config = parseConfigText(text, 'test.yaml', {});
  const gateway = createGateway(config, { sharedState: await loadSharedState(config, { prefix, ...(patient ? { commandTimeoutMs: 1_000 } : {}) }) });
  const url = await gateway.listen(0, '127.0.0.1');
  return {
    url,
    client: new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused-in-open-mode', maxRetries: 0 }),
    ready: async () => (await fetch(`${url}/health/ready`)).json(),
    close: () => gateway.close(),
  };
}

const config = (credential: string, router = '{ retries: 0, cooldown: { fails: 1000 } }') => `
router: ${router}
providers:
  moonshot:
    regions: { global: \${SIM}/v1, cn: \${SIM}/cn/v1 }
    credentials:
      - ${credential}
`;

const hi = [{ role: 'user' as const, content: 'hi' }];
const chats = () => sim.requests.filter((r) => r.path.endsWith('/chat/completions'));
const ask = (r: Replica) => r.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: hi });
const refusal = async (r: Replica): Promise<any> => {
  const err = await ask(r).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(OpenAI.APIError);
  return err;
};

describe('the redis key without its shared state', () => {
  it('is refused by createGateway rather than run unshared (moongate start loads it: loadSharedState)', () => {
    const config = parseConfigText(`redis: ${REDIS_URL}\n`, 'test.yaml', {});
    expect(() => createGateway(config)).toThrow('the `redis` key needs its shared state');
  });
});

describe('two replicas sharing one Redis', () => {
  it('share a credential rpm limit: the 4th request across both gets the 429', async () => {
    const prefix = `${redis.prefix}${++run}:`;
    const yaml = config(`{ name: main, api_key: ${KEY}, limits: { rpm: 3 } }`);
    const [a, b] = [await replica(yaml, REDIS_URL, prefix), await replica(yaml, REDIS_URL, prefix)];
    try {
      await ask(a);
      await ask(b);
      await ask(a);
      const err = await refusal(b);
      expect(err.status).toBe(429);
      expect(err.code).toBe('gateway_capacity_exceeded');
      expect(err.message).toMatch(/rpm limit/);
      expect(Number(err.headers.get('retry-after'))).toBeGreaterThan(50);
      expect((await refusal(a)).status).toBe(429);
      expect(chats()).toHaveLength(3);
      expect((await a.ready()).checks.redis).toBe('ok');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('share a credential concurrency limit: a request queued on one is sent as soon as the other frees the slot', async () => {
    const prefix = `${redis.prefix}${++run}:`;
    const yaml = config(`{ name: main, api_key: ${KEY}, limits: { concurrency: 1 } }`, '{ retries: 0, max_queue_wait_ms: 10000 }');
    const [a, b] = [await replica(yaml, REDIS_URL, prefix), await replica(yaml, REDIS_URL, prefix)];
    try {
      // Both replicas listen for the other's releases.
      await expect
        .poll(async () => ((await redis.client.pubsub('NUMSUB', `${prefix}freed:0`)) as [string, number])[1], { timeout: 5_000, interval: 20 })
        .toBe(2);
      // b's request must wait for a's (300 ms) to end, then go at once. Without the wake-up, its
      // own retry timer (every 1,000 ms from when it was queued) would send it 700 ms or more after
      // the slot is freed. That holds, and b waits at least 150 ms, if b was queued within 150 ms
      // of a's request being sent; a round queued later (a stalled event loop) proves neither and
      // is played again, three at most.
      for (let round = 1; ; round++) {
        const seen = chats().length;
        const sentAt = Date.now();
        const slow = a.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi [[sim:latency=300]]' }] });
        await expect.poll(() => chats().length, { timeout: 2_000, interval: 5 }).toBe(seen + 1);
        const queuedAt = Date.now();
        const queued = ask(b).then(() => Date.now());
        await slow;
        const freedAt = Date.now();
        const doneAt = await queued;
        expect(chats()).toHaveLength(seen + 2);
        if (queuedAt - sentAt > 150 && round < 3) continue;
        expect(doneAt - queuedAt).toBeGreaterThanOrEqual(150);
        expect(doneAt - freedAt).toBeLessThan(500);
        break;
      }
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('share a cooldown: a deployment resting on one rests on the other without a request', async () => {
    const prefix = `${redis.prefix}${++run}:`;
    const yaml = config(`{ name: main, api_key: ${KEY} }`, '{ retries: 0, cooldown: { fails: 1, seconds: 60 } }');
    const [a, b] = [await replica(yaml, REDIS_URL, prefix), await replica(yaml, REDIS_URL, prefix)];
    try {
      sim.injectFault({ status: 500, match: { key: KEY } });
      expect((await refusal(a)).status).toBe(500);
      const main = async (r: Replica) => (await r.ready()).credentials.find((c: any) => c.credential === 'moonshot/main');
      await expect.poll(() => main(b), { timeout: 5_000, interval: 100 }).toMatchObject({ state: 'cooling_down' });
      expect((await refusal(b)).status).toBe(503);
      expect(chats()).toHaveLength(1);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('share a disabled credential: a key rejected on one is not sent by the other', async () => {
    const prefix = `${redis.prefix}${++run}:`;
    const yaml = config(`{ name: revoked, api_key: ${REVOKED} }`);
    const [a, b] = [await replica(yaml, REDIS_URL, prefix), await replica(yaml, REDIS_URL, prefix)];
    try {
      // The simulator answers 401 Invalid Authentication; the gateway disables the key.
      await refusal(a);
      const revoked = async (r: Replica) => (await r.ready()).credentials.find((c: any) => c.credential === 'moonshot/revoked');
      await expect.poll(() => revoked(b), { timeout: 5_000, interval: 100 }).toMatchObject({ state: 'disabled' });
      await refusal(b);
      expect(chats()).toHaveLength(1);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('Redis unreachable', () => {
  it('serves with its own limits, says so in /health/ready, and closes without hanging', async () => {
    const r = await replica(config(`{ name: main, api_key: ${KEY}, limits: { rpm: 2 } }`), CLOSED_REDIS_URL, `${redis.prefix}${++run}:`);
    try {
      const answer = await ask(r);
      expect(answer.choices[0]!.message.content).toBeTruthy();
      await ask(r);
      expect((await refusal(r)).status).toBe(429);
      const ready = await r.ready();
      expect(ready.status).toBe('ok');
      expect(ready.checks.redis).toMatch(/^degraded: redis 127\.0\.0\.1:1: .*ECONNREFUSED.*limits, budgets and provider health are this replica's alone$/);
    } finally {
      const started = Date.now();
      await r.close();
      expect(Date.now() - started).toBeLessThan(2_000);
    }
  });

  it('never holds a request on a Redis that accepts connections but does not answer, at start or later', async () => {
    const proxy = await startTcpProxy(Number(new URL(REDIS_URL).port || 6379));
    const yaml = config(`{ name: main, api_key: ${KEY}, limits: { rpm: 100 } }`);
    proxy.stall();
    const started = Date.now();
    const hung = await replica(yaml, `redis://127.0.0.1:${proxy.port}`, `${redis.prefix}${++run}:`, false);
    proxy.resume();
    const later = await replica(yaml, `redis://127.0.0.1:${proxy.port}`, `${redis.prefix}${++run}:`, false);
    try {
      expect(Date.now() - started).toBeLessThan(5_000);
      await expect.poll(async () => (await later.ready()).checks.redis, { timeout: 5_000, interval: 100 }).toBe('ok');
      proxy.stall();
      for (const r of [hung, later]) {
        const t = Date.now();
        expect((await ask(r)).choices[0]!.message.content).toBeTruthy();
        // Stalled for good: only the command timeout (50 ms) ends the wait.
        expect(Date.now() - t).toBeLessThan(3_000);
      }
      await expect.poll(async () => (await later.ready()).checks.redis, { timeout: 5_000, interval: 100 }).toMatch(/^degraded: redis 127\.0\.0\.1:\d+: .*timed out/);
    } finally {
      proxy.resume();
      await hung.close();
      await later.close();
      await proxy.stop();
    }
  });

  it('goes back to the shared counters when Redis returns', async () => {
    const proxy = await startTcpProxy(Number(new URL(REDIS_URL).port || 6379));
    const prefix = `${redis.prefix}${++run}:`;
    const yaml = config(`{ name: main, api_key: ${KEY}, limits: { rpm: 2 } }`);
    const viaProxy = `redis://127.0.0.1:${proxy.port}`;
    const a = await replica(yaml, viaProxy, prefix);
    const b = await replica(yaml, REDIS_URL, prefix);
    try {
      await proxy.stop();
      await expect.poll(async () => (await a.ready()).checks.redis, { timeout: 5_000, interval: 100 }).toMatch(/^degraded: /);
      // Down: a counts alone, and b's shared window does not see a's requests.
      await ask(a);
      await ask(a);
      expect((await refusal(a)).status).toBe(429);
      await ask(b);

      await proxy.start();
      await expect.poll(async () => (await a.ready()).checks.redis, { timeout: 10_000, interval: 100 }).toBe('ok');
      // Back: the shared window holds b's request; one more (on a) fills it, then b is refused.
      // a's own window still holds its two requests from the outage; its counters are Redis's now.
      await ask(a);
      expect((await refusal(b)).status).toBe(429);
    } finally {
      await a.close();
      await b.close();
      await proxy.stop();
    }
  });
});
