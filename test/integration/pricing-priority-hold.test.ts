import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenLoopback } from '../helpers/loopback-upstream.js';
import type { LoopbackUpstream } from '../helpers/loopback-upstream.js';
import { startLogsStack } from '../helpers/logs-stack.js';
import type { LogsStack } from '../helpers/logs-stack.js';

/**
 * A request asking OpenAI's priority tier may be billed at the model's priority price (gpt-5:
 * $2.50 / $20 per 1M, twice standard), so a budgeted key's request in flight holds that much. It
 * was held at the standard price: a burst of priority requests could run past the budget by half
 * of what it spent.
 *
 * An OpenAI project can also be set to the priority tier by default: a request that names no
 * `service_tier` (or `auto`) is then served, and billed, at the priority price, and the answer says
 * `"service_tier": "priority"`. Such a request is held at the priority price where the last answer
 * to one came back priority, and at the standard price once they come back standard again.
 */
const MASTER = 'master-priority-hold-0001';

let upstream: LoopbackUpstream;
let stack: LogsStack;
let client: OpenAI;
/** The tier the project serves requests naming none on (the default-tier tests change it). */
let projectDefault = 'default';

beforeAll(async () => {
  upstream = await listenLoopback((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString())).on('end', () => {
      const body = JSON.parse(text) as { service_tier?: string };
      const tier = body.service_tier === undefined || body.service_tier === 'auto' ? projectDefault : body.service_tier;
      // Slow enough for the test to ask again while this one is in flight.
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({ id: 'x', object: 'chat.completion', created: 1, model: 'gpt-5-2025-08-07', service_tier: tier, choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 } }),
        );
      }, 600);
    });
  });
  stack = await startLogsStack({
    configYaml: `
master_key: ${MASTER}
router: { retries: 0, cooldown: { fails: 1000 } }
providers:
  openai: { base_url: ${upstream.base}, api_key: sk-openai-priority-hold-0001 }
`,
  });
});
afterAll(async () => {
  await stack?.close();
  await upstream?.close();
});

async function budgetedClient(name: string): Promise<OpenAI> {
  // gpt-5 with 20,000 completion tokens: held at $0.20 standard, $0.40 priority (capped at the $0.30 budget).
  const created = await stack.api('/admin/keys', { token: MASTER, body: { name, budget_usd: 0.3, budget_period: 'total' } });
  expect(created.status).toBe(201);
  return new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: created.json.key, maxRetries: 0 });
}

const ask = (c: OpenAI, tier?: 'priority' | 'flex' | 'auto') =>
  c.chat.completions.create({ model: 'openai/gpt-5', max_completion_tokens: 20_000, ...(tier ? { service_tier: tier } : {}), messages: [{ role: 'user', content: 'hi' }] });

/** While one request of the key is in flight, is a second one (naming the same tier) admitted? */
async function secondAdmitted(c: OpenAI, tier?: 'auto'): Promise<boolean> {
  const first = ask(c, tier);
  await new Promise((r) => setTimeout(r, 200));
  const second = await ask(c, tier).then(
    () => true,
    (err: { status?: number; code?: string }) => {
      expect(err).toMatchObject({ status: 429, code: 'budget_exceeded' });
      return false;
    },
  );
  await first;
  return second;
}

describe('the budget hold of a request asking for the priority tier', () => {
  it('is at the priority price: a second request is refused while the first is in flight', async () => {
    client = await budgetedClient('priority');
    const first = ask(client, 'priority');
    await new Promise((r) => setTimeout(r, 200));
    await expect(ask(client)).rejects.toMatchObject({ status: 429, code: 'budget_exceeded', message: expect.stringContaining('about $0.3') });
    await first;
  });

  it('is at the standard price for the default and flex tiers (the standard price bounds both)', async () => {
    for (const tier of [undefined, 'flex'] as const) {
      const c = await budgetedClient(`tier-${tier ?? 'default'}`);
      const first = ask(c, tier);
      await new Promise((r) => setTimeout(r, 200));
      // $0.20 held of $0.30: room for the next request's check.
      const second = await ask(c);
      expect(second.choices[0]?.message.content).toBe('ok');
      await first;
    }
  });
});

describe('the budget hold of a request naming no service tier', () => {
  it('is at the standard price until an answer to one says the project serves it on priority, then at the priority price', async () => {
    projectDefault = 'priority';
    // The last answers to requests naming no tier said default: held at the standard $0.20 of $0.30, room for a second request...
    expect(await secondAdmitted(await budgetedClient('learns-1'))).toBe(true);
    // ...whose answers said priority: now held at the priority price, a second request waits.
    expect(await secondAdmitted(await budgetedClient('learns-2'))).toBe(false);
    expect(await secondAdmitted(await budgetedClient('learns-3'), 'auto')).toBe(false);
  });

  it('goes back to the standard price once such answers come back standard', async () => {
    projectDefault = 'default';
    // Held at priority once more (the last answer said so), then the answers say default.
    expect(await secondAdmitted(await budgetedClient('back-1'))).toBe(false);
    expect(await secondAdmitted(await budgetedClient('back-2'))).toBe(true);
  });
});
