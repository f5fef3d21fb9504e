import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenLoopback } from '../helpers/loopback-upstream.js';
import type { LoopbackUpstream } from '../helpers/loopback-upstream.js';
import { allLogs, startLogsStack } from '../helpers/logs-stack.js';
import type { LogsStack } from '../helpers/logs-stack.js';

/**
 * OpenAI bills a request served on the flex tier (`service_tier: "flex"`, which the answer
 * confirms) at half the standard price, cached input included (o3: $1/$0.25/$4 per 1M against
 * $2/$0.5/$8), and one served on the priority tier at the model's priority price (o3:
 * $3.50/$0.875/$14). The gateway priced both at the standard rate: logs and /v1/usage said twice what was
 * spent, and a key's budget ran out at half its real spend.
 */
let upstream: LoopbackUpstream;
let stack: LogsStack;
let client: OpenAI;
/** The same gateway with response bodies not logged: streams are then not rebuilt for the log. */
let bodiless: LogsStack;
let bodilessClient: OpenAI;

const usage = { prompt_tokens: 2_000_000, completion_tokens: 1_000_000, total_tokens: 3_000_000, prompt_tokens_details: { cached_tokens: 1_000_000 }, completion_tokens_details: { reasoning_tokens: 400_000 } };

beforeAll(async () => {
  upstream = await listenLoopback((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString())).on('end', () => {
      const body = JSON.parse(text) as { stream?: boolean; service_tier?: string };
      const tier = body.service_tier ?? 'default';
      if (!body.stream) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({ id: 'x', object: 'chat.completion', created: 1, model: 'o3-2025-04-16', service_tier: tier, choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage }),
        );
        return;
      }
      const chunk = (extra: Record<string, unknown>) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'o3-2025-04-16', service_tier: tier, ...extra })}\n\n`;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk({ choices: [{ index: 0, delta: { role: 'assistant', content: 'ok' }, finish_reason: null }], usage: null }));
      res.write(chunk({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: null }));
      res.write(chunk({ choices: [], usage }));
      res.end('data: [DONE]\n\n');
    });
  });
  stack = await startLogsStack({
    configYaml: `
router: { retries: 0, cooldown: { fails: 1000 } }
providers:
  openai: { base_url: ${upstream.base}, api_key: sk-openai-review-0001 }
`,
  });
  client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: 'open-mode', maxRetries: 0 });
  bodiless = await startLogsStack({
    configYaml: `
router: { retries: 0, cooldown: { fails: 1000 } }
logging: { bodies: off }
providers:
  openai: { base_url: ${upstream.base}, api_key: sk-openai-review-0001 }
`,
  });
  bodilessClient = new OpenAI({ baseURL: `${bodiless.url}/v1`, apiKey: 'open-mode', maxRetries: 0 });
});
afterAll(async () => {
  await bodiless?.close();
  await stack.close();
  await upstream.close();
});

// o3 standard: 1M uncached × $2 + 1M cached × $0.5 + 1M output × $8 = $10.5; flex: half.
const STANDARD = 10.5;
// o3 priority: 1M uncached × $3.50 + 1M cached × $0.875 + 1M output × $14.
const PRIORITY = 18.375;

describe('an OpenAI answer served on the flex tier', () => {
  it('is priced at half the standard price, JSON or stream; the default tier is not', async () => {
    await client.chat.completions.create({ model: 'openai/o3', service_tier: 'flex', messages: [{ role: 'user', content: 'hi' }] });
    for await (const c of await client.chat.completions.create({ model: 'openai/o3', service_tier: 'flex', stream: true, messages: [{ role: 'user', content: 'hi' }] })) void c;
    await client.chat.completions.create({ model: 'openai/o3', messages: [{ role: 'user', content: 'hi' }] });

    await stack.flush();
    const records = (await allLogs(stack)).reverse();
    expect(records.map((r) => [r.stream, r.cost_usd])).toEqual([
      [false, STANDARD / 2],
      [true, STANDARD / 2],
      [false, STANDARD],
    ]);
    expect(records[0].cost_details).toMatchObject({ input_usd: 1, cached_input_usd: 0.25, output_usd: 4 });
  });

  it('is priced at half on a stream when response bodies are not logged too', async () => {
    for await (const c of await bodilessClient.chat.completions.create({ model: 'openai/o3', service_tier: 'flex', stream: true, messages: [{ role: 'user', content: 'hi' }] })) void c;
    for await (const c of await bodilessClient.chat.completions.create({ model: 'openai/o3', stream: true, messages: [{ role: 'user', content: 'hi' }] })) void c;
    await bodiless.flush();
    const records = (await allLogs(bodiless)).reverse();
    expect(records.map((r) => [r.stream, r.cost_usd, r.response])).toEqual([
      [true, STANDARD / 2, null],
      [true, STANDARD, null],
    ]);
  });
});

/** Priority is billed at a per-model premium (o3 1.75×); it was priced as standard, a third too low. */
describe('an OpenAI answer served on the priority tier', () => {
  it("is priced at the model's priority price, JSON or stream, bodies logged or not", async () => {
    await client.chat.completions.create({ model: 'openai/o3', service_tier: 'priority', messages: [{ role: 'user', content: 'hi' }] });
    for await (const c of await client.chat.completions.create({ model: 'openai/o3', service_tier: 'priority', stream: true, messages: [{ role: 'user', content: 'hi' }] })) void c;
    await stack.flush();
    const records = (await allLogs(stack)).slice(0, 2).reverse();
    expect(records.map((r) => [r.stream, r.cost_usd])).toEqual([
      [false, PRIORITY],
      [true, PRIORITY],
    ]);
    expect(records[0].cost_details).toMatchObject({ input_usd: 3.5, cached_input_usd: 0.875, output_usd: 14 });

    for await (const c of await bodilessClient.chat.completions.create({ model: 'openai/o3', service_tier: 'priority', stream: true, messages: [{ role: 'user', content: 'hi' }] })) void c;
    await bodiless.flush();
    expect((await allLogs(bodiless))[0]).toMatchObject({ stream: true, cost_usd: PRIORITY });
  });
});
