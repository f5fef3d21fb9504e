import type { IncomingMessage, ServerResponse } from 'node:http';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/index.js';
import { createGateway } from '../../src/gateway.js';
import type { Gateway } from '../../src/gateway.js';
import { OK_COMPLETION, listenLoopback } from '../helpers/loopback-upstream.js';
import type { LoopbackUpstream } from '../helpers/loopback-upstream.js';

/**
 * OpenRouter and DeepSeek say "no credit left" with HTTP 402 (OpenRouter: `{"error":{"code":402,
 * "message":"Insufficient credits…"}}`, openrouter.ai/docs/api/reference/errors; DeepSeek: 402
 * "Insufficient Balance"). That is the operator's account out of money, as OpenAI's 429
 * `insufficient_quota` is: the gateway should disable that credential and move on to the
 * fallback. It passed the 402 on as the caller's mistake instead, with the operator's billing
 * text, and never tried the fallback.
 */
let broke: LoopbackUpstream;
let healthy: LoopbackUpstream;
let gateway: Gateway;
let url: string;
let client: OpenAI;
let brokeCalls = 0;

const answer = (status: number, body: string) => (req: IncomingMessage, res: ServerResponse) => {
  req.resume().on('end', () => res.writeHead(status, { 'content-type': 'application/json' }).end(body));
};

beforeAll(async () => {
  broke = await listenLoopback((req, res) => {
    brokeCalls++;
    answer(402, JSON.stringify({ error: { code: 402, message: 'Insufficient credits. Add more using https://openrouter.ai/settings/credits', metadata: {} } }))(req, res);
  });
  healthy = await listenLoopback(answer(200, OK_COMPLETION));
  const yaml = `
router: { retries: 0, cooldown: { fails: 1000 } }
providers:
  openrouter: { base_url: ${broke.base}, api_key: sk-or-review-0001 }
  together: { base_url: ${healthy.base}, api_key: sk-together-review-0001 }
models:
  - name: llama
    targets: [{ model: openrouter/meta-llama/llama-3.3-70b-instruct }]
    fallbacks: [together/meta-llama/Llama-3.3-70B-Instruct-Turbo]
`;
  gateway = createGateway(parseConfigText(yaml, 'test.yaml', {}));
  url = await gateway.listen(0, '127.0.0.1');
  client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'open-mode', maxRetries: 0 });
});
afterAll(async () => {
  await gateway.close();
  await broke.close();
  await healthy.close();
});

describe('a 402 (no credit) from an OpenAI-compatible host on a configured credential', () => {
  it('disables that credential and the request is served by the fallback', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'llama', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(data.choices[0]!.message.content).toBe('ok');
    expect(response.headers.get('x-moongate-provider')).toBe('together');
    expect(response.headers.get('x-moongate-attempts')).toBe('2');

    const ready = await (await fetch(`${url}/health/ready`)).text();
    expect(ready).toContain('disabled');

    // The next request does not knock on the empty account again.
    const calls = brokeCalls;
    const again = await client.chat.completions.create({ model: 'llama', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(again.response.headers.get('x-moongate-provider')).toBe('together');
    expect(brokeCalls).toBe(calls);
  });
});
