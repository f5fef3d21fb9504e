import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { postRaw, startGatewayOn } from '../helpers/stack.js';

/**
 * A request the provider's conversion refuses before anything is sent (a `tool_choice` naming a
 * function that is not in `tools`: 400) tells nothing about the deployment it was meant for. As
 * the half-open probe of a resting deployment, or the first request to a rejected key due for
 * another try, it must neither close the breaker nor re-enable the key.
 */
let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ quiet: true });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const regions = 'regions: { global: ${SIM}/v1, cn: ${SIM}/cn/v1 }';
const hi = [{ role: 'user', content: 'hi' }];
const chat = (url: string, body: Record<string, unknown> = {}) => postRaw(`${url}/v1/chat/completions`, JSON.stringify({ model: 'moonshot/kimi-k2.6', messages: hi, ...body }));
const refusedByConversion = {
  tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } }],
  tool_choice: { type: 'function', function: { name: 'not_there' } },
};
const state = async (url: string): Promise<string> => ((await (await fetch(`${url}/health/ready`)).json()) as { credentials: { state: string }[] }).credentials[0]!.state;

describe('a request refused before it was sent', () => {
  it('does not close the breaker of the resting deployment it would have probed', async () => {
    const gw = await startGatewayOn(sim, `router: { retries: 0, cooldown: { fails: 2, seconds: 0.6 } }\nproviders: { moonshot: { ${regions}, credentials: [{ name: a, api_key: sk-a }] } }`);
    try {
      sim.injectFault({ status: 500, times: 2 });
      await chat(gw.url);
      await chat(gw.url);
      expect(await state(gw.url)).toBe('cooling_down');
      await new Promise((r) => setTimeout(r, 650));
      const refused = await chat(gw.url, refusedByConversion);
      expect(refused.status).toBe(400);
      expect(sim.requests.filter((r) => r.path.endsWith('/chat/completions'))).toHaveLength(2);
      // The real probe fails: a breaker still half-open rests again at once (a closed one would
      // need cooldown.fails failures).
      sim.injectFault({ status: 500, times: 1 });
      expect((await chat(gw.url)).status).toBe(500);
      expect(await state(gw.url)).toBe('cooling_down');
    } finally {
      await gw.close();
    }
  });

  it('does not re-enable a rejected key due for another try', async () => {
    const gw = await startGatewayOn(sim, `router: { retries: 0, disabled_recheck_seconds: 0.2 }\nproviders: { moonshot: { ${regions}, credentials: [{ name: a, api_key: sk-a }] } }`);
    try {
      sim.injectFault({ status: 401, type: 'invalid_authentication_error', message: 'Invalid Authentication', times: 1 });
      expect((await chat(gw.url)).status).toBe(503);
      await new Promise((r) => setTimeout(r, 250));
      expect((await chat(gw.url, refusedByConversion)).status).toBe(400);
      expect(await state(gw.url)).toBe('disabled');
      // A request that reaches the provider and works does re-enable it.
      expect((await chat(gw.url)).status).toBe(200);
      expect(await state(gw.url)).toBe('ok');
    } finally {
      await gw.close();
    }
  });
});
