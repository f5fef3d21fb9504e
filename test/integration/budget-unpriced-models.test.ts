import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GLOBAL_KEY } from '../helpers/stack.js';
import { startLogsStack } from '../helpers/logs-stack.js';
import type { LogsStack } from '../helpers/logs-stack.js';

/**
 * A key with a budget cannot use a model without a price: its requests would cost nothing the
 * budget could count, however many. kimi-k2.7-code and kimi-latest have no catalogue price.
 */
const MASTER = 'master-budget-unpriced-0001';

let stack: LogsStack;
let budgeted: OpenAI;
let unbudgeted: OpenAI;
const hi = [{ role: 'user' as const, content: 'hi' }];

beforeAll(async () => {
  stack = await startLogsStack({
    configYaml: `
master_key: ${MASTER}
router: { retries: 0, cooldown: { fails: 1000 } }
providers:
  moonshot:
    regions: { global: \${SIM}/v1, cn: \${SIM}/cn/v1 }
    credentials: [{ name: main, api_key: ${GLOBAL_KEY} }]
models:
  - name: mixed
    targets: [ { model: moonshot/kimi-k2.6 }, { model: moonshot/kimi-k2.7-code } ]
pricing:
  moonshot/kimi-latest: { input: 1, output: 3 }
`,
  });
  const client = async (body: Record<string, unknown>) => {
    const created = await stack.api('/admin/keys', { token: MASTER, body });
    expect(created.status).toBe(201);
    return new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: created.json.key, maxRetries: 0 });
  };
  budgeted = await client({ name: 'budgeted', budget_usd: 5, budget_period: 'month' });
  unbudgeted = await client({ name: 'free' });
});
afterAll(() => stack?.close());

async function refusal(p: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await p;
  } catch (err) {
    if (err instanceof OpenAI.APIError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('budgeted keys and models without a price', () => {
  it('serves a priced model', async () => {
    const r = await budgeted.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: hi });
    expect(r.choices[0]?.message.content).toBeTruthy();
  });

  it('refuses an unpriced model with a 403 saying how to price it, and sends nothing upstream', async () => {
    const before = stack.sim.requests.length;
    const err = await refusal(budgeted.chat.completions.create({ model: 'moonshot/kimi-k2.7-code', messages: hi }));
    expect(err.status).toBe(403);
    expect(err.code).toBe('model_not_priced');
    expect(err.message).toContain('moonshot/kimi-k2.7-code');
    expect(err.message).toContain('pricing:');
    expect(stack.sim.requests.length).toBe(before);
  });

  it('refuses an alias or a fallback that may reach an unpriced model', async () => {
    expect((await refusal(budgeted.chat.completions.create({ model: 'mixed', messages: hi }))).code).toBe('model_not_priced');
    const withFallback = budgeted.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: hi, fallbacks: ['moonshot/kimi-k2.7-code'] } as never);
    expect((await refusal(withFallback)).code).toBe('model_not_priced');
  });

  it('serves a model priced under pricing:, and keys without a budget any model', async () => {
    expect((await budgeted.chat.completions.create({ model: 'moonshot/kimi-latest', messages: hi })).choices).toHaveLength(1);
    expect((await unbudgeted.chat.completions.create({ model: 'moonshot/kimi-k2.7-code', messages: hi })).choices).toHaveLength(1);
  });
});
