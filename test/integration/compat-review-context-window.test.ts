import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/index.js';
import { createGateway } from '../../src/gateway.js';
import type { Gateway } from '../../src/gateway.js';
import { OK_COMPLETION, listenLoopback } from '../helpers/loopback-upstream.js';
import type { LoopbackUpstream } from '../helpers/loopback-upstream.js';

/**
 * A second OpenAI account under a name of its own (`openai-eu: { type: openai }`) is priced from
 * OpenAI's catalogue (the price book goes by type), but the context-window guard looked the model
 * up under the provider's name and found nothing: a prompt far over gpt-4's 8,192 tokens went
 * upstream to be refused there, instead of straight to the fallback with a larger window.
 */
let small: LoopbackUpstream;
let large: LoopbackUpstream;
let gateway: Gateway;
let client: OpenAI;
let smallCalls = 0;

beforeAll(async () => {
  small = await listenLoopback((req, res) => {
    smallCalls++;
    req.resume().on('end', () => res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"This model\'s maximum context length is 8192 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}'));
  });
  large = await listenLoopback((req, res) => req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(OK_COMPLETION)));
  const yaml = `
router: { retries: 0, cooldown: { fails: 1000 } }
providers:
  openai-eu: { type: openai, base_url: ${small.base}, api_key: sk-openai-eu-review-0001 }
  openai: { base_url: ${large.base}, api_key: sk-openai-review-0001 }
models:
  - name: writer
    targets: [{ model: openai-eu/gpt-4 }]
    fallbacks: [openai/gpt-4.1]
`;
  gateway = createGateway(parseConfigText(yaml, 'test.yaml', {}));
  const url = await gateway.listen(0, '127.0.0.1');
  client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'open-mode', maxRetries: 0 });
});
afterAll(async () => {
  await gateway.close();
  await small.close();
  await large.close();
});

describe('the context-window guard for an OpenAI-type provider under its own name', () => {
  it("knows the model's window from OpenAI's catalogue and goes straight to the larger fallback", async () => {
    const prompt = 'word '.repeat(12_000); // ≈15,000 tokens by the guard's estimate
    const { response } = await client.chat.completions.create({ model: 'writer', messages: [{ role: 'user', content: prompt }] }).withResponse();
    expect(response.headers.get('x-moongate-provider')).toBe('openai');
    expect(response.headers.get('x-moongate-adjusted')).toContain('context_window=skipped');
    expect(smallCalls).toBe(0);
  });
});
