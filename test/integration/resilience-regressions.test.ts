import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { startGatewayOn } from '../helpers/stack.js';

/** Failure modes found in review: each must stay fixed. */
let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ quiet: true });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const regions = 'regions: { global: ${SIM}/v1, cn: ${SIM}/cn/v1 }';
const hi = (extra = '') => [{ role: 'user' as const, content: `hi ${extra}`.trim() }];
const chats = () => sim.requests.filter((r) => r.path.endsWith('/chat/completions'));

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json(), headers: res.headers };
}

describe('a probe that ends without a verdict does not leave the breaker stuck', () => {
  const yaml = `router: { retries: 0, timeout_ms: 3000, cooldown: { fails: 1, seconds: 0.2 } }\nproviders: { moonshot: { ${regions}, api_key: sk-probe } }`;

  it('after a caller error on the probe', async () => {
    const gw = await startGatewayOn(sim, yaml);
    try {
      sim.injectFault({ status: 500, times: 1 });
      expect((await post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi() })).status).toBe(500);
      await new Promise((r) => setTimeout(r, 250));
      sim.injectFault({ status: 400, message: 'Invalid request: caller mistake', times: 1 });
      expect((await post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi() })).status).toBe(400);
      const started = performance.now();
      expect((await post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi() })).status).toBe(200);
      expect(performance.now() - started).toBeLessThan(1000);
    } finally {
      await gw.close();
    }
  });

  it('after the provider rejected the key on the probe', async () => {
    // The probe's 401 disables the credential; once it is tried again and works, the deployment
    // must be back in rotation, not held by a probe that never ended.
    const gw = await startGatewayOn(sim, yaml.replace('timeout_ms: 3000,', 'timeout_ms: 3000, disabled_recheck_seconds: 0.3,'));
    try {
      sim.injectFault({ status: 500, times: 1 });
      expect((await post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi() })).status).toBe(500);
      await new Promise((r) => setTimeout(r, 250));
      sim.injectFault({ status: 401, type: 'invalid_authentication_error', message: 'Invalid Authentication', times: 1 });
      // The operator's key, not the caller's: a 503 that says so (see "credentials the provider refuses").
      expect((await post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi() })).status).toBe(503);
      await new Promise((r) => setTimeout(r, 350));
      const started = performance.now();
      const after = await post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi() });
      expect(after.json.error?.message).toBeUndefined();
      expect(after.status).toBe(200);
      // Not after waiting out a probe that never ended (router.timeout_ms, 3 s here).
      expect(performance.now() - started).toBeLessThan(1000);
    } finally {
      await gw.close();
    }
  });

  it('while a probe is in flight, another request waits router.max_queue_wait_ms at most, not for the probe', async () => {
    const gw = await startGatewayOn(sim, yaml.replace('timeout_ms: 3000,', 'timeout_ms: 3000, max_queue_wait_ms: 800,'));
    try {
      sim.injectFault({ status: 500, times: 1 });
      await post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi() });
      await new Promise((r) => setTimeout(r, 250));
      const probe = post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi('[[sim:latency=1500]]') });
      await expect.poll(() => sim.stats.inFlight).toBe(1);
      // Answered before the probe's 1.5 s are up, so it cannot have been served after it.
      const answer = post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi() });
      // Meanwhile it counts as waiting, for /health/ready and moongate_router_queue_depth.
      await expect.poll(async () => ((await (await fetch(`${gw.url}/health/ready`)).json()) as any).queue.waiting, { interval: 20 }).toBe(1);
      const waiting = await answer;
      expect(sim.stats.inFlight).toBe(1);
      expect(waiting.status).toBe(503);
      expect(waiting.json.error.message).toContain('probing');
      expect((await probe).status).toBe(200);
    } finally {
      await gw.close();
    }
  });

  it('after the client gave up on the probe', async () => {
    const gw = await startGatewayOn(sim, yaml);
    try {
      sim.injectFault({ status: 500, times: 1 });
      await post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi() });
      await new Promise((r) => setTimeout(r, 250));
      const controller = new AbortController();
      const probe = gw.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: hi('[[sim:latency=1000]]') }, { signal: controller.signal });
      await expect.poll(() => sim.stats.inFlight).toBe(1);
      controller.abort();
      await expect(probe).rejects.toThrow();
      const started = performance.now();
      expect((await post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi() })).status).toBe(200);
      expect(performance.now() - started).toBeLessThan(1000);
    } finally {
      await gw.close();
    }
  });
});

describe('keys callers bring are theirs alone', () => {
  it('one caller’s exhausted key does not take the route down for another caller', async () => {
    const gw = await startGatewayOn(sim, `providers: { moonshot: { ${regions} } }`);
    try {
      const alice = await post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi() }, { authorization: 'Bearer sk-nobalance-alice' });
      expect(alice.status).toBe(429);
      const bob = await post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi() }, { authorization: 'Bearer sk-bob' });
      expect(bob.status).toBe(200);
      sim.injectFault({ status: 429, retryAfterSeconds: 1, times: 1, match: { key: 'sk-carol' } });
      expect((await post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi() }, { authorization: 'Bearer sk-carol' })).status).toBe(200);
      expect((await post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi() }, { authorization: 'Bearer sk-bob' })).status).toBe(200);
    } finally {
      await gw.close();
    }
  });

  it('a brought key without a region follows the provider’s base_url', async () => {
    const gw = await startGatewayOn(sim, `providers: { moonshot: { base_url: \${SIM}/v1, api_key: sk-configured } }`);
    try {
      const res = await post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi(), customer_credentials: { moonshot: { api_key: 'sk-brought' } } });
      expect(res.status).toBe(200);
      expect(chats()[0]!.authorization).toBe('Bearer sk-brought');
    } finally {
      await gw.close();
    }
  });
});

describe('a rejected credential comes back once it works again', () => {
  it('is tried again after disabled_recheck_seconds', async () => {
    const gw = await startGatewayOn(sim, `router: { retries: 0, disabled_recheck_seconds: 0.3 }\nproviders: { moonshot: { ${regions}, api_key: sk-recheck } }`);
    try {
      sim.injectFault({ status: 429, type: 'exceeded_current_quota_error', message: 'Your account is suspended due to insufficient balance', times: 1 });
      expect((await post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi() })).status).toBe(503);
      const ready = (await (await fetch(`${gw.url}/health/ready`)).json()) as any;
      expect(ready.credentials[0].state).toBe('disabled');
      await new Promise((r) => setTimeout(r, 350));
      expect((await post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi() })).status).toBe(200);
      const after = (await (await fetch(`${gw.url}/health/ready`)).json()) as any;
      expect(after.credentials[0].state).toBe('ok');
    } finally {
      await gw.close();
    }
  });
});

describe('edges of the request path', () => {
  const master = 'master-for-regressions-01';

  it('a key’s model allowance covers the fallbacks in the body too', async () => {
    const gw = await startGatewayOn(sim, `master_key: ${master}\nproviders: { moonshot: { ${regions}, api_key: sk-a } }`);
    try {
      const created = await fetch(`${gw.url}/admin/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${master}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'k25', models: ['moonshot/kimi-k2.5'] }),
      });
      const { key } = (await created.json()) as any;
      const res = await post(
        gw.url,
        { model: 'moonshot/kimi-k2.5', messages: hi(), max_completion_tokens: 300_000, fallbacks: ['moonshot/kimi-k3'] },
        { authorization: `Bearer ${key}` },
      );
      expect(res.status).toBe(403);
      expect(chats()).toHaveLength(0);
    } finally {
      await gw.close();
    }
  });

  it('the deadline passing while queued is a 504, not a 500', async () => {
    // The minute's one request frees up within max_queue_wait_ms (so the request waits), but not
    // within the request's own deadline.
    const gw = await startGatewayOn(sim, `router: { timeout_ms: 400, max_queue_wait_ms: 120000 }\nproviders: { moonshot: { ${regions}, credentials: [{ name: a, api_key: sk-a, limits: { rpm: 1 } }] } }`);
    try {
      expect((await post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi() })).status).toBe(200);
      const res = await post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi() });
      expect(res.status).toBe(504);
      expect(res.json.error.code).toBe('request_timeout');
    } finally {
      await gw.close();
    }
  });

  it('a per-minute limit that frees up only after max_queue_wait_ms is a 429 at once, not a wait that cannot end well', async () => {
    const gw = await startGatewayOn(sim, `router: { max_queue_wait_ms: 2000 }\nproviders: { moonshot: { ${regions}, credentials: [{ name: a, api_key: sk-a, limits: { rpm: 1 } }] } }`);
    try {
      expect((await post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi() })).status).toBe(200);
      const started = performance.now();
      const res = await post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi() });
      expect(performance.now() - started).toBeLessThan(1000);
      expect(res.status).toBe(429);
      expect(res.json.error.code).toBe('gateway_capacity_exceeded');
      expect(res.json.error.message).toContain('router.max_queue_wait_ms');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(50);
    } finally {
      await gw.close();
    }
  });

  it('request text that ends up in a header cannot break the answer', async () => {
    const gw = await startGatewayOn(sim, `providers: { moonshot: { ${regions}, api_key: sk-a } }`);
    try {
      const res = await post(gw.url, { model: 'moonshot/kimi-k2.6-模型', messages: hi() });
      expect(res.status).toBe(404);
      expect(res.headers.get('x-moongate-model')).toBe('kimi-k2.6-%E6%A8%A1%E5%9E%8B');
      expect(res.json.error.message).toContain('Not found the model');
    } finally {
      await gw.close();
    }
  });

  it('credential details in /health/ready are for the operator only', async () => {
    const gw = await startGatewayOn(sim, `master_key: ${master}\nproviders: { moonshot: { ${regions}, api_key: sk-a } }`);
    try {
      const anonymous = (await (await fetch(`${gw.url}/health/ready`)).json()) as any;
      expect(anonymous).toEqual({ status: 'ok', checks: { config: 'ok' } });
      const operator = (await (await fetch(`${gw.url}/health/ready`, { headers: { authorization: `Bearer ${master}` } })).json()) as any;
      expect(operator.credentials[0].credential).toBe('moonshot/default');
    } finally {
      await gw.close();
    }
  });
});

describe('requests in flight per credential', () => {
  it('are counted for a credential without limits too (it always showed 0)', async () => {
    const gw = await startGatewayOn(sim, `providers: { moonshot: { ${regions}, api_key: sk-free } }`);
    try {
      const inFlight = async (): Promise<number> => ((await (await fetch(`${gw.url}/health/ready`)).json()) as any).credentials[0].in_flight;
      const slow = post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi('[[sim:latency=800]]') });
      await expect.poll(inFlight, { interval: 20 }).toBe(1);
      expect((await slow).status).toBe(200);
      expect(await inFlight()).toBe(0);
    } finally {
      await gw.close();
    }
  });
});

describe('the 503 when every deployment rests', () => {
  it("gives the resting deployment's own wait and state, not its credential's", async () => {
    const gw = await startGatewayOn(sim, `router: { retries: 0 }\nproviders: { moonshot: { ${regions}, api_key: sk-a } }`);
    try {
      // kimi-k2.6 is told to wait 90 s; kimi-k3, on the same credential, 3 s.
      expect((await post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi('[[sim:error=429,after=90]]') })).status).toBe(429);
      expect((await post(gw.url, { model: 'moonshot/kimi-k3', messages: hi('[[sim:error=429,after=3]]') })).status).toBe(429);
      const resting = await post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi() });
      expect(resting.status).toBe(503);
      expect(resting.json.error.code).toBe('no_healthy_deployment');
      expect(Number(resting.headers.get('retry-after'))).toBeGreaterThan(80);
      expect(resting.json.error.message).toContain('moonshot/default/kimi-k2.6: cooling down');
      expect(resting.json.error.message).not.toContain(': ok');
    } finally {
      await gw.close();
    }
  });
});
