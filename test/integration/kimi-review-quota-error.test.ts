import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { startGatewayOn } from '../helpers/stack.js';

/**
 * A Moonshot account with no balance answers 429 `exceeded_current_quota_error`. The OpenAI SDK
 * retries every 429 (twice by default) unless told not to, and its users test OpenAI's
 * `code: "insufficient_quota"` to tell "top up" from "slow down". The key here is the caller's own
 * (a configured key's quota error is the router's to answer).
 */
let sim: Simulator;
let gw: Awaited<ReturnType<typeof startGatewayOn>>;
beforeAll(async () => {
  sim = await startSimulator({ quiet: true });
  gw = await startGatewayOn(
    sim,
    `
router: { retries: 0 }
providers:
  moonshot:
    regions: { global: \${SIM}/v1, cn: \${SIM}/cn/v1 }
    credentials: [{ name: main, api_key: sk-configured-0001 }]
`,
  );
});
afterAll(async () => {
  await gw.close();
  await sim.close();
});

describe('a quota-exhausted Moonshot key, through the OpenAI SDK with its default retries', () => {
  it('is a 429 insufficient_quota that the SDK does not retry', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'caller', maxRetries: 2 });
    const request = {
      model: 'moonshot/kimi-k2.6',
      messages: [{ role: 'user' as const, content: 'hi' }],
      customer_credentials: { moonshot: { api_key: 'sk-nobalance-caller-0001' } },
    };
    const error = await client.chat.completions.create(request as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error).toMatchObject({ status: 429, type: 'exceeded_current_quota_error', code: 'insufficient_quota' });
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).message).toContain('insufficient balance');
    expect(sim.requests.filter((r) => r.path.endsWith('/chat/completions'))).toHaveLength(1);
  });
});
