import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { postRaw, startGatewayOn } from '../helpers/stack.js';

/**
 * `router.cooldown.seconds: 0` turns the circuit breaker off; only a 429's retry time still rests
 * a deployment. Moonshot's overload answer gives none ("please try again later"): then nothing
 * rests, and concurrent requests are not held back behind one "probe" and answered 503.
 */
let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ quiet: true });
});
afterAll(() => sim.close());

describe('with the breaker off, a 429 without a retry time', () => {
  it('leaves the deployment open to concurrent requests', async () => {
    const gw = await startGatewayOn(
      sim,
      `router: { retries: 0, max_queue_wait_ms: 200, cooldown: { seconds: 0 } }\nproviders: { moonshot: { regions: { global: \${SIM}/v1, cn: \${SIM}/cn/v1 }, api_key: sk-off } }`,
    );
    try {
      const chat = (content: string) => postRaw(`${gw.url}/v1/chat/completions`, JSON.stringify({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content }] }));
      sim.injectFault({ status: 429, type: 'engine_overloaded_error', message: 'The engine is currently overloaded, please try again later', times: 1 });
      expect((await chat('hi')).status).toBe(429);
      const answers = await Promise.all([1, 2, 3].map(() => chat('hi [[sim:latency=500]]')));
      expect(answers.map((a) => a.json.error?.message)).toEqual([undefined, undefined, undefined]);
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    } finally {
      await gw.close();
    }
  });
});
