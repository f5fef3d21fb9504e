import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/index.js';
import { createGateway } from '../../src/gateway.js';
import type { Gateway } from '../../src/gateway.js';
import { listenLoopback } from '../helpers/loopback-upstream.js';
import type { LoopbackUpstream } from '../helpers/loopback-upstream.js';

/**
 * OpenRouter answers 200 once a model has been picked, and reports a failure after that as an SSE
 * data event `{"error": {"code": 429, "message": …}}`, whose `code` is the HTTP status and which
 * has no `type` (openrouter.ai/docs/api/reference/errors). The gateway read it as an unknown type:
 * the client got a 502 api_error instead of a 429 (the OpenAI SDK's RateLimitError), and a 400 the
 * caller should fix was retried and counted against the deployment as a server fault.
 */
let upstream: LoopbackUpstream;
let gateway: Gateway;
let client: OpenAI;
let errorEvent = '';
let calls = 0;

beforeAll(async () => {
  upstream = await listenLoopback((req, res) => {
    calls++;
    req.resume().on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': OPENROUTER PROCESSING\n\n');
      res.end(`data: ${errorEvent}\n\n`);
    });
  });
  const yaml = `
router: { retries: 1, backoff_ms: 1, cooldown: { fails: 1000 } }
providers:
  openrouter: { base_url: ${upstream.base}, api_key: sk-or-review-0002 }
`;
  gateway = createGateway(parseConfigText(yaml, 'test.yaml', {}));
  const url = await gateway.listen(0, '127.0.0.1');
  client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'open-mode', maxRetries: 0 });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

/** Each test its own model: a deployment a 429 rested would answer the next test for it. */
async function streamError(model: string): Promise<any> {
  return (async () => {
    for await (const c of await client.chat.completions.create({ model: `openrouter/${model}`, stream: true, messages: [{ role: 'user', content: 'hi' }] })) void c;
  })().catch((e: unknown) => e);
}

describe("an error event whose code is the HTTP status (OpenRouter's, after its 200)", () => {
  it('reaches the client as that status: a 429 is a rate limit', async () => {
    errorEvent = JSON.stringify({ error: { code: 429, message: 'Rate limit exceeded: free-models-per-min' } });
    const err = await streamError('meta-llama/llama-3.3-70b-instruct');
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.error).toMatchObject({ type: 'rate_limit_error', code: '429' });
  });

  it("a 400 is the caller's to fix: not retried", async () => {
    errorEvent = JSON.stringify({ error: { code: 400, message: 'Input validation error' } });
    calls = 0;
    const err = await streamError('qwen/qwen3-32b');
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ type: 'invalid_request_error', code: '400' });
    expect(calls).toBe(1);
  });
});

describe("a 200 JSON answer holding such an error (OpenRouter's, non-stream)", () => {
  let json: LoopbackUpstream;
  let jsonGateway: Gateway;
  let jsonClient: OpenAI;
  beforeAll(async () => {
    json = await listenLoopback((req, res) => {
      req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 429, message: 'Rate limit exceeded upstream' }, user_id: 'user_1' })));
    });
    jsonGateway = createGateway(parseConfigText(`\nrouter: { retries: 0, cooldown: { fails: 1000 } }\nproviders:\n  openrouter: { base_url: ${json.base}, api_key: sk-or-review-0003 }\n`, 'test.yaml', {}));
    jsonClient = new OpenAI({ baseURL: `${await jsonGateway.listen(0, '127.0.0.1')}/v1`, apiKey: 'open-mode', maxRetries: 0 });
  });
  afterAll(async () => {
    await jsonGateway.close();
    await json.close();
  });

  it('reaches the client as the status its code gives, not a 502', async () => {
    const err: any = await jsonClient.chat.completions.create({ model: 'openrouter/m', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.message).toContain('Rate limit exceeded upstream');
  });
});
