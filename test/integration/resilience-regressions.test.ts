import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { allLogs, startLogsStack } from '../helpers/logs-stack.js';
import { CN_KEY, GLOBAL_KEY, postRaw, startGatewayOn } from '../helpers/stack.js';

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

/** A chat request; `json` is the parsed answer, or its text when it is not JSON (an event stream). */
function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any; headers: Headers }> {
  return postRaw(`${url}/v1/chat/completions`, JSON.stringify(body), headers);
}
const modelsAsked = () => chats().map((r) => (r.body as { model?: string }).model);

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

describe('one request the upstream cannot serve', () => {
  it('does not rest the only deployment for everyone: its retries there count once towards the breaker', async () => {
    // Defaults: 2 retries, the breaker opens after 3 failures. The request is cut 3 times.
    const gw = await startGatewayOn(sim, `router: { backoff_ms: 10 }\nproviders: { moonshot: { ${regions}, api_key: sk-only } }`);
    try {
      const cut = await post(gw.url, { model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi [[sim:cut=0]]' }] });
      expect(cut.status).toBe(502);
      expect(cut.headers.get('x-moongate-attempts')).toBe('3');
      expect((await post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi() })).status).toBe(200);
    } finally {
      await gw.close();
    }
  });

  it('while failures of different requests still add up to a rest', async () => {
    const gw = await startGatewayOn(sim, `router: { backoff_ms: 10 }\nproviders: { moonshot: { ${regions}, api_key: sk-only } }`);
    try {
      for (let i = 0; i < 3; i++) expect((await post(gw.url, { model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi [[sim:cut=0]]' }] })).status).toBe(502);
      expect((await post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi() })).status).toBe(503);
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

// How the router behaves when upstreams fail in ways a review found mishandled: fallbacks behind
// many credentials, streams past their deadline, the operator's own keys refused, full credentials
// with a fallback, long retry-after hints, and server errors beyond 500–504.
describe('fallbacks are reached however many deployments the targets have', () => {
  const threeKeys = `providers:
  moonshot:
    ${regions}
    credentials:
      - { name: a, api_key: sk-a }
      - { name: b, api_key: sk-b }
      - { name: c, api_key: sk-c }`;

  it("an alias's fallback answers when all three of the target's credentials fail (router.retries 2)", async () => {
    const gw = await startGatewayOn(sim, `router: { backoff_ms: 1 }\n${threeKeys}\nmodels:\n  - { name: kimi, targets: [{ model: moonshot/kimi-k2.6 }], fallbacks: [moonshot/kimi-k2.5] }`);
    try {
      sim.injectFault({ status: 503, times: 100, match: { model: 'kimi-k2.6' } });
      const res = await post(gw.url, { model: 'kimi', messages: hi() });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-moongate-model')).toBe('kimi-k2.5');
      expect(res.headers.get('x-moongate-attempts')).toBe('4');
      expect(modelsAsked()).toEqual(['kimi-k2.6', 'kimi-k2.6', 'kimi-k2.6', 'kimi-k2.5']);
    } finally {
      await gw.close();
    }
  });

  it("with router.retries 0, the request's own fallback is still tried after the target's one failure", async () => {
    const gw = await startGatewayOn(sim, `router: { retries: 0 }\n${threeKeys}`);
    try {
      sim.injectFault({ status: 503, times: 100, match: { model: 'kimi-k2.6' } });
      const res = await post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi(), fallbacks: ['moonshot/kimi-k2.5'] });
      expect(res.status).toBe(200);
      expect(modelsAsked()).toEqual(['kimi-k2.6', 'kimi-k2.5']);
    } finally {
      await gw.close();
    }
  });

  it('retries within one group stay bounded by router.retries', async () => {
    const gw = await startGatewayOn(sim, `router: { retries: 1, backoff_ms: 1 }\n${threeKeys}`);
    try {
      sim.injectFault({ status: 503, times: 100 });
      const res = await post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi() });
      expect(res.status).toBe(503);
      expect(chats()).toHaveLength(2);
    } finally {
      await gw.close();
    }
  });
});

describe("credentials the provider refuses are the operator's problem, not the caller's", () => {
  const master = 'master-for-refusals-0001';

  it('a rejected configured key is a 503 that says so, without the upstream text (account, endpoint, operator advice)', async () => {
    // Open mode: the caller is not the operator.
    const gw = await startGatewayOn(sim, `providers: { moonshot: { ${regions}, credentials: [{ name: revoked, api_key: sk-revoked-key }] } }`);
    try {
      sim.injectFault({ status: 401, type: 'invalid_authentication_error', message: 'Invalid Authentication', times: 1 });
      const res = await post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi() });
      expect(res.status).toBe(503);
      expect(res.json.error.code).toBe('upstream_credentials_refused');
      expect(res.json.error.message).toContain('operator');
      expect(JSON.stringify(res.json)).not.toMatch(/revoked|127\.0\.0\.1|region|moongate check/);
      // The next request, with the credential disabled, is refused the same way (no upstream call).
      const next = await post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi() });
      expect(next.status).toBe(503);
      expect(chats()).toHaveLength(1);
    } finally {
      await gw.close();
    }
  });

  it("the operator (master key) gets the provider's text too: a key sent to the wrong region names both hosts", async () => {
    const gw = await startGatewayOn(
      sim,
      `master_key: ${master}
providers:
  moonshot:
    ${regions}
    credentials:
      - { name: china-key-on-global, api_key: ${CN_KEY}, region: global, models: [kimi-k2-thinking] }
      - { name: global-key-on-cn, api_key: ${GLOBAL_KEY}, region: cn, models: [kimi-k2-thinking-turbo] }`,
    );
    try {
      const asOperator = { authorization: `Bearer ${master}` };
      const china = await post(gw.url, { model: 'moonshot/kimi-k2-thinking', messages: hi() }, asOperator);
      expect(china.status).toBe(503);
      expect(china.json.error.code).toBe('upstream_credentials_refused');
      expect(china.json.error.message).toContain('moonshot: Invalid Authentication');
      expect(china.json.error.message).toContain(`rejected by ${sim.globalBaseUrl}`);
      expect(china.json.error.message).toContain(`work only on ${sim.cnBaseUrl} (set region: cn)`);
      expect(china.json.error.message).not.toContain(CN_KEY);
      expect(china.headers.get('x-moongate-credential')).toBe('china-key-on-global');
      const global = await post(gw.url, { model: 'moonshot/kimi-k2-thinking-turbo', messages: hi() }, asOperator);
      expect(global.status).toBe(503);
      expect(global.json.error.message).toContain(`work only on ${sim.globalBaseUrl} (set region: global)`);
    } finally {
      await gw.close();
    }
  });

  it('an exhausted balance on the last configured key is a 503 too, not a 429 that invites retries', async () => {
    const gw = await startGatewayOn(sim, `providers: { moonshot: { ${regions}, credentials: [{ name: broke, api_key: sk-broke-key }] } }`);
    try {
      sim.injectFault({ status: 429, type: 'exceeded_current_quota_error', message: 'Your account org-1234<ak-5678> is suspended due to insufficient balance', times: 1 });
      const res = await post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi() });
      expect(res.status).toBe(503);
      expect(JSON.stringify(res.json)).not.toContain('org-1234');
    } finally {
      await gw.close();
    }
  });

  it("a key the caller brought is still the caller's: its 401 comes back as a 401", async () => {
    const gw = await startGatewayOn(sim, `providers: { moonshot: { ${regions} } }`);
    try {
      sim.injectFault({ status: 401, type: 'invalid_authentication_error', message: 'Invalid Authentication', times: 1 });
      const res = await post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi() }, { authorization: 'Bearer sk-callers-own-key' });
      expect(res.status).toBe(401);
    } finally {
      await gw.close();
    }
  });
});

describe('credential limits and long waits', () => {
  it('a full credential with a fallback behind it: the fallback answers at once, without waiting in the queue', async () => {
    const gw = await startGatewayOn(
      sim,
      `router: { max_queue_wait_ms: 3000 }
providers:
  moonshot:
    ${regions}
    credentials:
      - { name: lim, api_key: sk-lim, limits: { rpm: 1 }, models: [kimi-k2.6] }
      - { name: free, api_key: sk-free, models: [kimi-k2.5] }
models:
  - { name: kimi, model: moonshot/kimi-k2.6, fallbacks: [moonshot/kimi-k2.5] }`,
    );
    try {
      expect((await post(gw.url, { model: 'kimi', messages: hi() })).headers.get('x-moongate-model')).toBe('kimi-k2.6');
      const started = performance.now();
      const res = await post(gw.url, { model: 'kimi', messages: hi() });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-moongate-model')).toBe('kimi-k2.5');
      expect(performance.now() - started).toBeLessThan(1000);
    } finally {
      await gw.close();
    }
  });

  it("an upstream's long retry-after (a 429's \"try again after 60 seconds\") is not slept through: 503 at once with retry-after", async () => {
    const gw = await startGatewayOn(sim, `router: { max_queue_wait_ms: 2000, backoff_ms: 1 }\nproviders: { moonshot: { ${regions}, credentials: [{ name: t, api_key: sk-t }] } }`);
    try {
      sim.injectFault({ status: 429, type: 'rate_limit_reached_error', message: 'Your account request reached organization max RPM: 3, please try again after 60 seconds', times: 1 });
      const started = performance.now();
      const res = await post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi() });
      expect(performance.now() - started).toBeLessThan(1500);
      expect(res.status).toBe(503);
      expect(res.json.error.code).toBe('no_healthy_deployment');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(50);
    } finally {
      await gw.close();
    }
  });
});

describe('server errors beyond 500–504', () => {
  it("an overloaded 529 and Cloudflare's 52x fail over to another credential; a 501 does not", async () => {
    const gw = await startGatewayOn(sim, `router: { backoff_ms: 1 }\nproviders: { moonshot: { ${regions}, credentials: [{ name: a, api_key: sk-a }, { name: b, api_key: sk-b }] } }`);
    try {
      for (const status of [529, 522]) {
        sim.reset();
        sim.injectFault({ status, times: 1 });
        const res = await post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi() });
        expect(res.status, String(status)).toBe(200);
        expect(res.headers.get('x-moongate-attempts')).toBe('2');
      }
      sim.reset();
      sim.injectFault({ status: 501, times: 1 });
      const res = await post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi() });
      expect(res.status).toBe(501);
      expect(chats()).toHaveLength(1);
    } finally {
      await gw.close();
    }
  });
});

describe('a stream that outlives router.timeout_ms', () => {
  it("ends with the gateway's timeout error and does not count against its deployment", async () => {
    const gw = await startGatewayOn(sim, `router: { timeout_ms: 600, cooldown: { fails: 1, seconds: 30 } }\nproviders: { moonshot: { ${regions}, credentials: [{ name: a, api_key: sk-a }] } }`);
    try {
      const res = await post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi('[[sim:token_delay=200]] [[sim:tokens=20]]'), stream: true });
      expect(res.status).toBe(200);
      const last = String(res.json).trim().split('\n\n').at(-1)!;
      const event = JSON.parse(last.replace(/^data: /, ''));
      expect(event.error).toMatchObject({ type: 'timeout_error', code: 'request_timeout' });
      expect(event.error.message).toContain('router.timeout_ms');
      // One failure would rest the deployment (fails: 1): the next request still goes through.
      const next = await post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi() });
      expect(next.status).toBe(200);
    } finally {
      await gw.close();
    }
  });
});

describe('the log of a request stopped by its deadline', () => {
  it('says the deadline passed in its attempt, not that the upstream could not be reached', async () => {
    const stack = await startLogsStack({
      configYaml: `router: { timeout_ms: 300 }\nproviders: { moonshot: { regions: { global: \${SIM}/v1, cn: \${SIM}/cn/v1 }, api_key: sk-deadline } }`,
    });
    try {
      const res = await post(stack.url, { model: 'moonshot/kimi-k2.6', messages: hi('[[sim:latency=2000]]') });
      expect(res.status).toBe(504);
      await stack.flush();
      const [record] = await allLogs(stack);
      expect(record.attempts).toHaveLength(1);
      expect(record.attempts[0]).toMatchObject({ error_type: 'timeout_error' });
      expect(record.attempts[0].error_message).toContain('router.timeout_ms');
      expect(record.attempts[0].error_message).not.toContain('could not reach');
    } finally {
      await stack.close();
    }
  });
});

describe('what the log says about requests that waited for a credential', () => {
  it('time spent queued is not gateway overhead, and a request refused for capacity still names its model', async () => {
    const stack = await startLogsStack({
      configYaml: `router: { max_queue_wait_ms: 5000, max_queue_size: 1 }\nproviders: { moonshot: { regions: { global: \${SIM}/v1, cn: \${SIM}/cn/v1 }, credentials: [{ name: one, api_key: sk-one, limits: { concurrency: 1 } }] } }`,
    });
    try {
      // 2 s upstream: the queued request waits over 1 s even if a stalled loop sends it late, and
      // that wait, counted as overhead even in part, would be past the 400 ms a stall may add to it.
      const slow = post(stack.url, { model: 'moonshot/kimi-k2.6', messages: hi('[[sim:latency=2000]]') });
      await expect.poll(() => stack.sim.stats.inFlight).toBe(1);
      const queued = post(stack.url, { model: 'moonshot/kimi-k2.6', messages: hi('queued') });
      await expect.poll(async () => ((await stack.api('/health/ready')).json as any).queue.waiting).toBe(1);
      // The queue (max_queue_size 1) is full: refused at once.
      const refused = await post(stack.url, { model: 'moonshot/kimi-k2.6', messages: hi('refused') });
      expect(refused.status).toBe(429);
      expect((await slow).status).toBe(200);
      const waited = await queued;
      expect(waited.status).toBe(200);
      await stack.flush();
      const records = await allLogs(stack);
      const byId = (res: { headers: Headers }) => records.find((r) => r.id === res.headers.get('x-moongate-request-id'));
      const queuedRecord = byId(waited);
      expect(queuedRecord.latency_ms).toBeGreaterThan(1_000);
      expect(queuedRecord.overhead_ms).toBeLessThan(400);
      expect(byId(refused)).toMatchObject({ status: 429, provider: 'moonshot', model: 'kimi-k2.6' });
    } finally {
      await stack.close();
    }
  });
});

describe('the routing rules above, at their edges (a review of them)', () => {
  it('router.max_queue_wait_ms below the backoff does not switch retries off: only an upstream retry time is capped', async () => {
    const gw = await startGatewayOn(sim, `router: { max_queue_wait_ms: 0, backoff_ms: 5 }\nproviders: { moonshot: { ${regions}, credentials: [{ name: a, api_key: sk-a }] } }`);
    try {
      sim.injectFault({ status: 503, times: 1 });
      const res = await post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi() });
      expect(res.status).toBe(200);
      expect(chats()).toHaveLength(2);
    } finally {
      await gw.close();
    }
  });

  it('a full target passed over for a fallback that then fails is waited for after all', async () => {
    const gw = await startGatewayOn(
      sim,
      `router: { max_queue_wait_ms: 5000, backoff_ms: 1 }
providers:
  moonshot:
    ${regions}
    credentials:
      - { name: lim, api_key: sk-lim, limits: { concurrency: 1 }, models: [kimi-k2.6] }
      - { name: fb, api_key: sk-fb, models: [kimi-k2.5] }
models:
  - { name: kimi, model: moonshot/kimi-k2.6, fallbacks: [moonshot/kimi-k2.5] }`,
    );
    try {
      const slow = post(gw.url, { model: 'kimi', messages: hi('[[sim:latency=400]]') });
      await expect.poll(() => sim.stats.inFlight).toBe(1);
      sim.injectFault({ status: 500, times: 10, match: { model: 'kimi-k2.5' } });
      const res = await post(gw.url, { model: 'kimi', messages: hi() });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-moongate-model')).toBe('kimi-k2.6');
      expect((await slow).status).toBe(200);
    } finally {
      await gw.close();
    }
  });

  it('a full credential that the fallback shares is waited for: the request is not moved to the fallback model', async () => {
    const gw = await startGatewayOn(
      sim,
      `router: { max_queue_wait_ms: 5000 }
providers: { moonshot: { ${regions}, credentials: [{ name: one, api_key: sk-one, limits: { concurrency: 1 } }] } }
models:
  - { name: kimi, model: moonshot/kimi-k2.6, fallbacks: [moonshot/kimi-k2.5] }`,
    );
    try {
      const slow = post(gw.url, { model: 'kimi', messages: hi('[[sim:latency=300]]') });
      await expect.poll(() => sim.stats.inFlight).toBe(1);
      const res = await post(gw.url, { model: 'kimi', messages: hi() });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-moongate-model')).toBe('kimi-k2.6');
      await slow;
    } finally {
      await gw.close();
    }
  });

  it("a group's tries used up moves on to the next group even when an earlier group's deployment has come back", async () => {
    const gw = await startGatewayOn(
      sim,
      `router: { retries: 0, cooldown: { fails: 1, seconds: 1 } }
providers: { moonshot: { ${regions}, credentials: [{ name: a, api_key: sk-a }] } }
models:
  - { name: kimi, model: moonshot/kimi-k2.6, fallbacks: [moonshot/kimi-k2.5, moonshot/kimi-k2-thinking] }`,
    );
    try {
      sim.injectFault({ status: 500, times: 1, match: { model: 'kimi-k2.6' } });
      expect((await post(gw.url, { model: 'kimi', messages: hi() })).headers.get('x-moongate-model')).toBe('kimi-k2.5');
      // kimi-k2.6 rests 1 s; the fallback fails after 1.3 s, by when it is back.
      sim.injectFault({ status: 500, times: 1, latencyMs: 1300, match: { model: 'kimi-k2.5' } });
      const res = await post(gw.url, { model: 'kimi', messages: hi() });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-moongate-model')).toBe('kimi-k2-thinking');
    } finally {
      await gw.close();
    }
  });

  it('a tpm limit is waited for: a request ending with less usage than its estimate frees room before the minute is over', async () => {
    const gw = await startGatewayOn(sim, `router: { max_queue_wait_ms: 5000 }\nproviders: { moonshot: { ${regions}, credentials: [{ name: t, api_key: sk-t, limits: { tpm: 3000 } }] } }`);
    try {
      const first = post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi('[[sim:latency=500]]'), max_tokens: 2500 });
      await expect.poll(() => sim.stats.inFlight).toBe(1);
      const second = await post(gw.url, { model: 'moonshot/kimi-k2.6', messages: hi(), max_tokens: 1000 });
      expect(second.status).toBe(200);
      expect((await first).status).toBe(200);
    } finally {
      await gw.close();
    }
  });
});
