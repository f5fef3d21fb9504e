import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { postRaw, startGatewayOn } from '../helpers/stack.js';

/**
 * A request waiting for a credential with room chose its candidates before it began to wait.
 * When a candidate's key is rejected (or its deployment starts resting) meanwhile, the slot that
 * failure frees must not go to the waiting request: it would fail there too, free the slot for the
 * next one, and a whole queue would drain into the dead key one failed attempt at a time.
 */
let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ quiet: true });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const config = `router: { retries: 1, backoff_ms: 10, max_queue_wait_ms: 5000, cooldown: { fails: 1, seconds: 30 } }
providers:
  moonshot:
    regions: { global: \${SIM}/v1, cn: \${SIM}/cn/v1 }
    credentials:
      - { name: a, api_key: sk-a, weight: 1000000, limits: { concurrency: 1 } }
      - { name: b, api_key: sk-b, weight: 1, limits: { concurrency: 1 } }
`;
const chat = (url: string, content = 'hi') => postRaw(`${url}/v1/chat/completions`, JSON.stringify({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content }] }));
const keysAsked = () => sim.requests.filter((r) => r.path.endsWith('/chat/completions')).map((r) => r.authorization);

describe('a request queued for a credential', () => {
  for (const [what, fault] of [
    ['whose key is rejected meanwhile', { status: 401, type: 'invalid_authentication_error', message: 'Invalid Authentication' }],
    ['whose deployment starts resting meanwhile', { status: 500 }],
  ] as const) {
    it(`is not sent to one ${what}: it waits for the other`, async () => {
      const gw = await startGatewayOn(sim, config);
      try {
        // a answers its next requests with the failure, after 300 ms.
        sim.injectFault({ ...fault, latencyMs: 300, times: 10, match: { key: 'sk-a' } });
        const failing = chat(gw.url);
        await expect.poll(() => sim.stats.inFlight).toBe(1);
        const busy = chat(gw.url, 'hi [[sim:latency=1000]]');
        await expect.poll(() => sim.stats.inFlight).toBe(2);
        const queued = chat(gw.url);
        await expect.poll(async () => ((await (await fetch(`${gw.url}/health/ready`)).json()) as { queue: { waiting: number } }).queue.waiting).toBe(1);
        const answer = await queued;
        expect(answer.status).toBe(200);
        expect(answer.headers.get('x-moongate-credential')).toBe('b');
        expect(answer.headers.get('x-moongate-attempts')).toBe('1');
        expect((await busy).status).toBe(200);
        await failing;
        // a was asked once: by the request that found it failing.
        expect(keysAsked().filter((k) => k === 'Bearer sk-a')).toHaveLength(1);
      } finally {
        await gw.close();
      }
    });
  }
});
