import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenLoopback } from '../helpers/loopback-upstream.js';
import type { LoopbackUpstream } from '../helpers/loopback-upstream.js';
import { allLogs, startLogsStack } from '../helpers/logs-stack.js';
import type { LogsStack } from '../helpers/logs-stack.js';

/**
 * xAI (Grok) counts reasoning tokens outside `completion_tokens`: its `total_tokens` is prompt +
 * completion + reasoning, and it bills the reasoning as output (docs.x.ai, consumption and rate
 * limits; vercel/ai#12425, lobehub#8984). The gateway read OpenAI's meaning into it (reasoning
 * inside completion), so the reasoning was never priced or charged: here 2,809 of 4,308 output
 * tokens, a cost under-counted by 45%.
 */
let upstream: LoopbackUpstream;
let stack: LogsStack;
let client: OpenAI;

// The usage of a real Grok answer (Wei-Shaw/sub2api#5771): 10120 + 1499 + 2809 = 14428.
const usage = { prompt_tokens: 10120, completion_tokens: 1499, total_tokens: 14428, prompt_tokens_details: { cached_tokens: 128 }, completion_tokens_details: { reasoning_tokens: 2809 } };

beforeAll(async () => {
  upstream = await listenLoopback((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString())).on('end', () => {
      const stream = (JSON.parse(text) as { stream?: boolean }).stream === true;
      if (!stream) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({ id: 'x', object: 'chat.completion', created: 1, model: 'grok-4', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage }),
        );
        return;
      }
      const chunk = (extra: Record<string, unknown>) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'grok-4', ...extra })}\n\n`;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk({ choices: [{ index: 0, delta: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] }));
      res.write(chunk({ choices: [], usage }));
      res.end('data: [DONE]\n\n');
    });
  });
  stack = await startLogsStack({
    configYaml: `
router: { retries: 0, cooldown: { fails: 1000 } }
providers:
  xai: { base_url: ${upstream.base}, api_key: sk-xai-review-0001 }
pricing:
  xai/grok-4: { input: 3, cached_input: 0.75, output: 15 }
`,
  });
  client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: 'open-mode', maxRetries: 0 });
});
afterAll(async () => {
  await stack.close();
  await upstream.close();
});

// (10120 − 128) × $3 + 128 × $0.75 + (1499 + 2809) × $15, per 1M tokens.
const COST = (9992 * 3 + 128 * 0.75 + 4308 * 15) / 1e6;

describe('a host that counts reasoning tokens outside completion_tokens', () => {
  it('has its reasoning logged and priced as output, JSON or stream; the client gets its usage as sent', async () => {
    const { data } = await client.chat.completions.create({ model: 'xai/grok-4', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(data.usage).toEqual(usage);
    for await (const c of await client.chat.completions.create({ model: 'xai/grok-4', stream: true, messages: [{ role: 'user', content: 'hi' }] })) void c;

    await stack.flush();
    const records = await allLogs(stack);
    expect(records).toHaveLength(2);
    for (const r of records) {
      expect(r).toMatchObject({ prompt_tokens: 10120, completion_tokens: 4308, cached_tokens: 128, reasoning_tokens: 2809 });
      expect(r.cost_usd).toBeCloseTo(COST, 12);
    }
  });
});
