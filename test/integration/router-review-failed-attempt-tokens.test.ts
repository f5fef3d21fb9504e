import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { postRaw, startGatewayOn } from '../helpers/stack.js';

/**
 * A credential's tpm window counts each request's estimate until its actual usage is known. An
 * attempt the upstream refused generated nothing: its estimate must not stay in the window for a
 * minute, or an outage of a few seconds (500s, 429s) leaves the credential "full" after it ends.
 */
let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ quiet: true });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const regions = 'regions: { global: ${SIM}/v1, cn: ${SIM}/cn/v1 }';
const chat = (url: string, content: string) =>
  postRaw(`${url}/v1/chat/completions`, JSON.stringify({ model: 'moonshot/kimi-k2.6', max_tokens: 700, messages: [{ role: 'user', content }] }));

describe('tokens of a failed attempt in a credential’s tpm window', () => {
  for (const [what, marker, status] of [
    ['a 500', '[[sim:error=500]]', 500],
    ['a 429 with a short retry time', '[[sim:error=429,after=0]]', 429],
  ] as const) {
    it(`an attempt refused with ${what} does not keep the credential full for a minute`, async () => {
      const gw = await startGatewayOn(
        sim,
        `router: { retries: 0, max_queue_wait_ms: 300, cooldown: { fails: 1000 } }\nproviders: { moonshot: { ${regions}, credentials: [{ name: t, api_key: sk-t, limits: { tpm: 1000 } }] } }`,
      );
      try {
        expect((await chat(gw.url, `hi ${marker}`)).status).toBe(status);
        // ~700 tokens estimated again: it fits only if the failed attempt's 700 left the window.
        const next = await chat(gw.url, 'hi');
        expect(next.json.error?.code).toBeUndefined();
        expect(next.status).toBe(200);
      } finally {
        await gw.close();
      }
    });
  }

  it('an answered request still counts its actual usage', async () => {
    const gw = await startGatewayOn(sim, `router: { retries: 0, max_queue_wait_ms: 300 }\nproviders: { moonshot: { ${regions}, credentials: [{ name: t, api_key: sk-t, limits: { tpm: 60 } }] } }`);
    try {
      // The simulator's answer uses more than half the window: a second request no longer fits.
      const first = await postRaw(`${gw.url}/v1/chat/completions`, JSON.stringify({ model: 'moonshot/kimi-k2.6', max_tokens: 5, messages: [{ role: 'user', content: 'x'.repeat(120) }] }));
      expect(first.status).toBe(200);
      expect(first.json.usage.total_tokens).toBeGreaterThan(30);
      const second = await postRaw(`${gw.url}/v1/chat/completions`, JSON.stringify({ model: 'moonshot/kimi-k2.6', max_tokens: 5, messages: [{ role: 'user', content: 'x'.repeat(120) }] }));
      expect(second).toMatchObject({ status: 429, json: { error: { code: 'gateway_capacity_exceeded' } } });
    } finally {
      await gw.close();
    }
  });
});
