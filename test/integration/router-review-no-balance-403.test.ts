import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { postRaw, startGatewayOn } from '../helpers/stack.js';

/**
 * Moonshot says a key has no balance left with `exceeded_current_quota_error`, usually as a 429
 * and, by some of its docs, as a 403 (docs/moonshot.md). Either way the configured credential
 * is disabled and the request moves to another: a 403 passed on would tell the caller they lack
 * a permission, and the empty key would keep being tried.
 */
let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ quiet: true });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const regions = 'regions: { global: ${SIM}/v1, cn: ${SIM}/cn/v1 }';
const chat = (url: string) => postRaw(`${url}/v1/chat/completions`, JSON.stringify({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi' }] }));
const noBalance = { status: 403, type: 'exceeded_current_quota_error', message: 'Your account org-1234<ak-5678> is suspended due to insufficient balance', times: 1, match: { key: 'sk-broke' } };

describe('no balance left, said with a 403', () => {
  it('disables the credential and moves the request to another', async () => {
    const gw = await startGatewayOn(sim, `router: { retries: 1, cooldown: { fails: 1000 } }\nproviders: { moonshot: { ${regions}, credentials: [{ name: broke, api_key: sk-broke, weight: 1000000 }, { name: ok, api_key: sk-ok, weight: 1 }] } }`);
    try {
      sim.injectFault(noBalance);
      const res = await chat(gw.url);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-moongate-credential')).toBe('ok');
      const ready = (await (await fetch(`${gw.url}/health/ready`)).json()) as { credentials: { credential: string; state: string }[] };
      expect(ready.credentials.find((c) => c.credential === 'moonshot/broke')?.state).toBe('disabled');
    } finally {
      await gw.close();
    }
  });

  it('on the last configured key is the 503 that says the operator must act, without the upstream text', async () => {
    const gw = await startGatewayOn(sim, `providers: { moonshot: { ${regions}, credentials: [{ name: broke, api_key: sk-broke }] } }`);
    try {
      sim.injectFault(noBalance);
      const res = await chat(gw.url);
      expect(res.status).toBe(503);
      expect(res.json.error.code).toBe('upstream_credentials_refused');
      expect(JSON.stringify(res.json)).not.toContain('org-1234');
    } finally {
      await gw.close();
    }
  });
});
