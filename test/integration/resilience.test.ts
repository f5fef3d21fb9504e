import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { startGatewayOn } from '../helpers/stack.js';

/**
 * Routing and resilience against the simulator with per-key faults, through real gateways, with
 * the openai SDK as the client: the caller should see clean answers while keys fail behind it.
 */
const KEY_A = 'sk-resilience-a';
const KEY_B = 'sk-resilience-b';
const KEY_SOLO = 'sk-resilience-solo';
const KEY_CN = 'sk-cn-resilience';
const KEY_REVOKED = 'sk-revoked-resilience';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ quiet: true });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const hi = (extra = '') => [{ role: 'user' as const, content: `hi ${extra}`.trim() }];
const chats = () => sim.requests.filter((r) => r.path.endsWith('/chat/completions'));
const byKey = (key: string) => chats().filter((r) => r.authorization === `Bearer ${key}`);

async function readiness(url: string): Promise<any> {
  return (await fetch(`${url}/health/ready`)).json();
}

async function inBatches<T>(n: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < n; i += concurrency) {
    results.push(...(await Promise.all(Array.from({ length: Math.min(concurrency, n - i) }, (_, j) => fn(i + j)))));
  }
  return results;
}

const regions = 'regions: { global: ${SIM}/v1, cn: ${SIM}/cn/v1 }';

describe('weighted load balancing', () => {
  it('splits traffic by credential weight within statistical tolerance', async () => {
    const gw = await startGatewayOn(
      sim,
      `
providers:
  moonshot:
    ${regions}
    credentials:
      - { name: a, api_key: ${KEY_A}, weight: 3 }
      - { name: b, api_key: ${KEY_B}, weight: 1 }
`,
    );
    try {
      const n = 400;
      await inBatches(n, 20, () => gw.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: hi() }));
      const a = byKey(KEY_A).length;
      const b = byKey(KEY_B).length;
      expect(a + b).toBe(n);
      // Binomial(400, 0.75): mean 300, sd ≈ 8.7; ±45 is over 5 sd.
      expect(a).toBeGreaterThan(255);
      expect(a).toBeLessThan(345);
    } finally {
      await gw.close();
    }
  });

  it('uses region-bound keys for the two regions side by side', async () => {
    const gw = await startGatewayOn(
      sim,
      `
providers:
  moonshot:
    ${regions}
    credentials:
      - { name: global, api_key: ${KEY_A}, region: global }
      - { name: china, api_key: ${KEY_CN}, region: cn }
`,
    );
    try {
      const results = await inBatches(40, 10, () => gw.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: hi() }).withResponse());
      expect(results.every((r) => r.data.choices[0]!.message.content)).toBe(true);
      const regionsSeen = new Set(chats().map((r) => `${r.region}:${r.authorization}`));
      expect(regionsSeen).toEqual(new Set([`global:Bearer ${KEY_A}`, `cn:Bearer ${KEY_CN}`]));
      const credentials = new Set(results.map((r) => r.response.headers.get('x-moongate-credential')));
      expect(credentials).toEqual(new Set(['global', 'china']));
    } finally {
      await gw.close();
    }
  });
});

describe('failures the caller never sees', () => {
  const yaml = (extra = '', cooldownSeconds = 1) => `
router: { retries: 2, backoff_ms: 10, first_token_timeout_ms: 400, cooldown: { fails: 3, seconds: ${cooldownSeconds}, window_seconds: 60 } ${extra} }
providers:
  moonshot:
    ${regions}
    credentials:
      - { name: a, api_key: ${KEY_A}, models: [kimi-k2.6] }
      - { name: b, api_key: ${KEY_B}, models: [kimi-k2.6] }
      - { name: solo, api_key: ${KEY_SOLO}, models: [kimi-k3] }
      - { name: revoked, api_key: ${KEY_REVOKED}, models: [kimi-k2-thinking] }
      - { name: good, api_key: ${KEY_A}, models: [kimi-k2-thinking] }
    credential_override:
      moonshot/kimi-k3: solo
`;

  it('a credential answering 500s: every request succeeds, the bad one cools down, is probed and restored', async () => {
    // A cooldown of 3 s: the requests after b's third failure and the readiness read must all fit
    // in it (up to 1.3 s seen on a busy machine), or b is probed a fourth time.
    const gw = await startGatewayOn(sim, yaml('', 3));
    try {
      sim.injectFault({ status: 500, times: 10_000, match: { key: KEY_B } });
      // One at a time, so that the count below is exact (concurrent requests may reach b before it opens).
      const results = await inBatches(30, 1, () => gw.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: hi() }).withResponse());
      expect(results.every((r) => r.data.choices[0]!.message.content)).toBe(true);
      // Three failures put b into cooldown; after that it gets no traffic.
      expect(byKey(KEY_B).length).toBe(3);
      const retried = results.filter((r) => r.response.headers.get('x-moongate-attempts') === '2');
      expect(retried.length).toBe(3);
      const ready = await readiness(gw.url);
      expect(ready.credentials.find((c: any) => c.credential === 'moonshot/b')).toMatchObject({ state: 'cooling_down' });

      // b recovers; after the cooldown one probe goes through and b is back in rotation.
      sim.clearFaults();
      await new Promise((r) => setTimeout(r, 3100));
      await inBatches(40, 4, () => gw.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: hi() }));
      expect(byKey(KEY_B).length).toBeGreaterThan(4);
      const after = await readiness(gw.url);
      expect(after.credentials.find((c: any) => c.credential === 'moonshot/b')).toMatchObject({ state: 'ok' });
    } finally {
      await gw.close();
    }
  });

  it('honours a 429’s "try again after N seconds" before retrying the only credential', async () => {
    const gw = await startGatewayOn(sim, yaml());
    try {
      sim.injectFault({ status: 429, retryAfterSeconds: 1, times: 1, match: { key: KEY_SOLO } });
      const started = performance.now();
      const { data, response } = await gw.client.chat.completions.create({ model: 'moonshot/kimi-k3', messages: hi() }).withResponse();
      const waited = performance.now() - started;
      expect(data.choices[0]!.message.content).toBeTruthy();
      expect(response.headers.get('x-moongate-attempts')).toBe('2');
      expect(waited).toBeGreaterThanOrEqual(1000);
      expect(waited).toBeLessThan(5000);
    } finally {
      await gw.close();
    }
  });

  it('a connection cut before the first token fails over transparently', async () => {
    const gw = await startGatewayOn(sim, yaml());
    try {
      sim.injectFault({ cutAfterChunks: 0, times: 1 });
      const { data: stream, response } = await gw.client.chat.completions
        .create({ model: 'moonshot/kimi-k2.6', messages: hi(), stream: true })
        .withResponse();
      let content = '';
      for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? '';
      expect(content.length).toBeGreaterThan(0);
      expect(response.headers.get('x-moongate-attempts')).toBe('2');
      expect(chats()).toHaveLength(2);
    } finally {
      await gw.close();
    }
  });

  it('a connection cut after the first token ends the stream with a clean error event', async () => {
    const gw = await startGatewayOn(sim, yaml());
    try {
      sim.injectFault({ cutAfterChunks: 3, times: 1 });
      const stream = await gw.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: hi('[[sim:tokens=50]]'), stream: true });
      let chunks = 0;
      const err = await (async () => {
        for await (const _chunk of stream) chunks++;
      })().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect((err as Error).message).toContain('moonshot: the upstream connection broke mid-stream');
      expect(chunks).toBeGreaterThan(0);
      expect(chats()).toHaveLength(1);
    } finally {
      await gw.close();
    }
  });

  it('a first-token timeout fails over to another attempt', async () => {
    const gw = await startGatewayOn(sim, yaml());
    try {
      sim.injectFault({ latencyMs: 3000, times: 1 });
      const started = performance.now();
      const { data: stream, response } = await gw.client.chat.completions
        .create({ model: 'moonshot/kimi-k2.6', messages: hi(), stream: true })
        .withResponse();
      let content = '';
      for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? '';
      expect(content.length).toBeGreaterThan(0);
      expect(performance.now() - started).toBeLessThan(2500);
      expect(response.headers.get('x-moongate-attempts')).toBe('2');
      // The slow attempt was abandoned, not left running.
      await expect.poll(() => chats()[0]!.aborted).toBe(true);
    } finally {
      await gw.close();
    }
  });

  it('a revoked configured credential is disabled and the request moves to another', async () => {
    const gw = await startGatewayOn(sim, yaml());
    try {
      const results = await inBatches(10, 1, () =>
        gw.client.chat.completions.create({ model: 'moonshot/kimi-k2-thinking', messages: hi() }).withResponse(),
      );
      expect(results.every((r) => r.response.headers.get('x-moongate-credential') === 'good')).toBe(true);
      // Rejected once, then skipped.
      expect(byKey(KEY_REVOKED).length).toBeLessThanOrEqual(1);
      const ready = await readiness(gw.url);
      const revoked = ready.credentials.find((c: any) => c.credential === 'moonshot/revoked');
      if (byKey(KEY_REVOKED).length === 1) expect(revoked).toMatchObject({ state: 'disabled', reason: expect.stringContaining('Invalid Authentication') });
    } finally {
      await gw.close();
    }
  });

  it('does not retry the caller’s own mistakes', async () => {
    const gw = await startGatewayOn(sim, yaml());
    try {
      sim.injectFault({ status: 400, message: 'Invalid request: something the caller got wrong', times: 10 });
      await expect(gw.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: hi() })).rejects.toMatchObject({ status: 400 });
      expect(chats()).toHaveLength(1);
    } finally {
      await gw.close();
    }
  });
});

describe('timeouts', () => {
  it('ends a stream that goes silent with an error event after idle_timeout_ms', async () => {
    const gw = await startGatewayOn(sim, `router: { idle_timeout_ms: 200, retries: 0 }\nproviders: { moonshot: { ${regions}, api_key: ${KEY_A} } }`);
    try {
      const stream = await gw.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: hi('[[sim:token_delay=1500]] [[sim:tokens=3]]'), stream: true });
      const started = performance.now();
      let chunks = 0;
      const err = await (async () => {
        for await (const _chunk of stream) chunks++;
      })().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect((err as Error).message).toContain('no data from upstream for 200 ms');
      expect(chunks).toBeGreaterThan(0);
      expect(performance.now() - started).toBeLessThan(1400);
      await expect.poll(() => chats()[0]!.aborted).toBe(true);
    } finally {
      await gw.close();
    }
  });

  it('answers 504 when the whole request takes longer than timeout_ms', async () => {
    const gw = await startGatewayOn(sim, `router: { timeout_ms: 300, retries: 2 }\nproviders: { moonshot: { ${regions}, api_key: ${KEY_A} } }`);
    try {
      const err = await gw.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: hi('[[sim:latency=2000]]') }).catch((e: unknown) => e);
      expect(err).toMatchObject({ status: 504, code: 'request_timeout' });
      expect(chats()).toHaveLength(1);
      await expect.poll(() => chats()[0]!.aborted).toBe(true);
    } finally {
      await gw.close();
    }
  });
});

describe('fallbacks and the context-window guard', () => {
  const yaml = `
router: { retries: 2, backoff_ms: 10, cooldown: { fails: 1000 } }
providers:
  moonshot:
    ${regions}
    credentials:
      - { name: broken, api_key: ${KEY_B}, models: [kimi-k2.5] }
      - { name: main, api_key: ${KEY_A}, models: [kimi-k2.6, moonshot-v1-8k, moonshot-v1-32k, kimi-k3] }
models:
  - name: flaky
    targets: [{ model: moonshot/kimi-k2.5 }]
    fallbacks: [moonshot/kimi-k2.6]
  - name: small
    targets: [{ model: moonshot/moonshot-v1-8k }]
    fallbacks: [moonshot/moonshot-v1-32k]
  - name: tiny-only
    targets: [{ model: moonshot/moonshot-v1-8k }]
`;

  it('falls back to the next model when the target keeps failing', async () => {
    const gw = await startGatewayOn(sim, yaml);
    try {
      sim.injectFault({ status: 503, times: 10_000, match: { key: KEY_B } });
      const { data, response } = await gw.client.chat.completions.create({ model: 'flaky', messages: hi() }).withResponse();
      expect(data.choices[0]!.message.content).toBeTruthy();
      expect(response.headers.get('x-moongate-model')).toBe('kimi-k2.6');
      expect(response.headers.get('x-moongate-attempts')).toBe('2');
    } finally {
      await gw.close();
    }
  });

  it('takes per-request fallbacks from the body', async () => {
    const gw = await startGatewayOn(sim, yaml);
    try {
      sim.injectFault({ status: 500, times: 10_000, match: { key: KEY_B } });
      const { response } = await gw.client.chat.completions
        // @ts-expect-error gateway extension
        .create({ model: 'moonshot/kimi-k2.5', messages: hi(), fallbacks: ['moonshot/kimi-k3'] })
        .withResponse();
      expect(response.headers.get('x-moongate-model')).toBe('kimi-k3');
      expect(chats().at(-1)!.body).not.toHaveProperty('fallbacks');
    } finally {
      await gw.close();
    }
  });

  it('skips a target whose context window is too small, without a round trip', async () => {
    const gw = await startGatewayOn(sim, yaml);
    try {
      const long = 'word '.repeat(12_000);
      const { response } = await gw.client.chat.completions.create({ model: 'small', messages: [{ role: 'user', content: long }] }).withResponse();
      expect(response.headers.get('x-moongate-model')).toBe('moonshot-v1-32k');
      expect(response.headers.get('x-moongate-adjusted')).toContain('context_window=skipped(moonshot/moonshot-v1-8k)');
      expect(chats().map((r) => (r.body as any).model)).toEqual(['moonshot-v1-32k']);
    } finally {
      await gw.close();
    }
  });

  it('answers 400 with the numbers when no target is large enough', async () => {
    const gw = await startGatewayOn(sim, yaml);
    try {
      const long = 'word '.repeat(12_000);
      const err = await gw.client.chat.completions.create({ model: 'tiny-only', messages: [{ role: 'user', content: long }] }).catch((e: unknown) => e);
      expect(err).toMatchObject({ status: 400, code: 'context_length_exceeded' });
      expect((err as Error).message).toMatch(/needs about \d+ tokens .* moonshot\/moonshot-v1-8k 8192/);
      expect(chats()).toHaveLength(0);
    } finally {
      await gw.close();
    }
  });
});

describe('tier-aware admission', () => {
  const yaml = `
router: { max_queue_wait_ms: 5000 }
providers:
  moonshot:
    ${regions}
    credentials:
      - { name: tier, api_key: ${KEY_A}, limits: { concurrency: 2 } }
`;

  it('never sends more than the concurrency limit upstream while every request succeeds', async () => {
    const gw = await startGatewayOn(sim, yaml);
    try {
      const results = await Promise.all(
        Array.from({ length: 20 }, () => gw.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: hi('[[sim:latency=40]]') })),
      );
      expect(results.every((r) => r.choices[0]!.message.content)).toBe(true);
      expect(chats()).toHaveLength(20);
      expect(sim.stats.maxInFlight).toBeLessThanOrEqual(2);
      expect(sim.stats.maxInFlight).toBe(2);
    } finally {
      await gw.close();
    }
  });

  it('also holds for streams, which keep their slot until they end', async () => {
    const gw = await startGatewayOn(sim, yaml);
    try {
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          const stream = await gw.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: hi('[[sim:token_delay=5]]'), stream: true });
          for await (const _chunk of stream) void _chunk;
        }),
      );
      expect(sim.stats.maxInFlight).toBeLessThanOrEqual(2);
    } finally {
      await gw.close();
    }
  });

  it('a client that gives up while queued never reaches upstream', async () => {
    const gw = await startGatewayOn(sim, yaml);
    try {
      const busy = [1, 2].map(() => gw.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: hi('[[sim:latency=800]]') }));
      await expect.poll(() => sim.stats.inFlight).toBe(2);
      const controller = new AbortController();
      const queued = gw.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: hi('queued') }, { signal: controller.signal });
      await expect.poll(async () => (await readiness(gw.url)).queue.waiting).toBe(1);
      controller.abort();
      await expect(queued).rejects.toThrow();
      await Promise.all(busy);
      await expect.poll(async () => (await readiness(gw.url)).queue.waiting).toBe(0);
      expect(chats().some((r) => JSON.stringify(r.body).includes('queued'))).toBe(false);
      expect(chats()).toHaveLength(2);
    } finally {
      await gw.close();
    }
  });

  it('answers 429 with retry-after when no capacity frees up in time', async () => {
    const gw = await startGatewayOn(sim, yaml.replace('max_queue_wait_ms: 5000', 'max_queue_wait_ms: 100'));
    try {
      // Held 1.5 s, not 0.6: the third request must find both still running, whatever a stall on a
      // busy machine delays it by (0.6 s left it ~450 ms).
      const busy = [1, 2].map(() => gw.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: hi('[[sim:latency=1500]]') }));
      await expect.poll(() => sim.stats.inFlight).toBe(2);
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'moonshot/kimi-k2.6', messages: hi() }),
      });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(((await res.json()) as any).error.code).toBe('gateway_capacity_exceeded');
      await Promise.all(busy);
    } finally {
      await gw.close();
    }
  });
});
