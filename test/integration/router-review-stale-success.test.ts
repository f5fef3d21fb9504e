import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { postRaw, startGatewayOn } from '../helpers/stack.js';

/**
 * A success tells about a deployment and its key as they were when that attempt was sent. A long
 * answer sent before its key was rejected (or before its deployment began to fail) and finishing
 * after must not put the key or the deployment back in rotation: every request after it would pay
 * for one more failed attempt, and /health/ready would flap.
 */
let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ quiet: true });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const config = `router: { retries: 1, backoff_ms: 10, cooldown: { fails: 1, seconds: 30 } }
providers:
  moonshot:
    regions: { global: \${SIM}/v1, cn: \${SIM}/cn/v1 }
    credentials: [{ name: a, api_key: sk-a, weight: 1000000 }, { name: b, api_key: sk-b, weight: 1 }]
`;
const chat = (url: string, content = 'hi') => postRaw(`${url}/v1/chat/completions`, JSON.stringify({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content }] }));
const stateOf = async (url: string, credential: string): Promise<string | undefined> =>
  ((await (await fetch(`${url}/health/ready`)).json()) as { credentials: { credential: string; state: string }[] }).credentials.find((c) => c.credential === credential)?.state;

describe('a success that began before the failure it would undo', () => {
  it('does not re-enable a key rejected meanwhile', async () => {
    const gw = await startGatewayOn(sim, config);
    try {
      const long = chat(gw.url, 'hi [[sim:latency=600]]');
      await expect.poll(() => sim.stats.inFlight).toBe(1);
      sim.injectFault({ status: 401, type: 'invalid_authentication_error', message: 'Invalid Authentication', times: 10, match: { key: 'sk-a' } });
      const rejected = await chat(gw.url);
      expect(rejected.headers.get('x-moongate-credential')).toBe('b');
      expect(await stateOf(gw.url, 'moonshot/a')).toBe('disabled');
      const done = await long;
      expect(done.headers.get('x-moongate-credential')).toBe('a');
      expect(done.status).toBe(200);
      expect(await stateOf(gw.url, 'moonshot/a')).toBe('disabled');
      const after = await chat(gw.url);
      expect(after.status).toBe(200);
      expect(after.headers.get('x-moongate-attempts')).toBe('1');
    } finally {
      await gw.close();
    }
  });

  it('does not close a breaker that opened meanwhile', async () => {
    const gw = await startGatewayOn(sim, config);
    try {
      const long = chat(gw.url, 'hi [[sim:latency=600]]');
      await expect.poll(() => sim.stats.inFlight).toBe(1);
      sim.injectFault({ status: 500, times: 10, match: { key: 'sk-a' } });
      const failed = await chat(gw.url);
      expect(failed.headers.get('x-moongate-credential')).toBe('b');
      expect(await stateOf(gw.url, 'moonshot/a')).toBe('cooling_down');
      expect((await long).headers.get('x-moongate-credential')).toBe('a');
      expect(await stateOf(gw.url, 'moonshot/a')).toBe('cooling_down');
      const after = await chat(gw.url);
      expect(after.headers.get('x-moongate-attempts')).toBe('1');
    } finally {
      await gw.close();
    }
  });
});
