import { connect } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CN_KEY, GLOBAL_KEY, postRaw, startStack } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    configYaml: `
server: { max_body_mb: 1 }
router: { retries: 0, cooldown: { fails: 1000 } }
providers:
  moonshot:
    regions: { global: \${SIM}/v1, cn: \${SIM}/cn/v1 }
    credentials:
      - { name: main, api_key: ${GLOBAL_KEY}, region: global }
      - { name: china-key-on-global, api_key: ${CN_KEY}, region: global, models: [kimi-k2-thinking] }
      - { name: global-key-on-cn, api_key: ${GLOBAL_KEY}, region: cn, models: [kimi-k2-thinking-turbo] }
      - { name: unreachable, api_key: ${GLOBAL_KEY}, base_url: "http://127.0.0.1:9/v1", models: [moonshot-v1-32k] }
    credential_override:
      moonshot/kimi-k2-thinking: china-key-on-global
      moonshot/kimi-k2-thinking-turbo: global-key-on-cn
      moonshot/moonshot-v1-32k: unreachable
`,
  });
});
afterAll(() => stack.close());

const chatUrl = () => `${stack.url}/v1/chat/completions`;
const ask = (content: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content }], ...extra });

function expectOpenAIError(json: any): void {
  expect(json).toEqual({
    error: {
      message: expect.any(String),
      type: expect.any(String),
      code: expect.toSatisfy((c: unknown) => c === null || typeof c === 'string'),
      param: expect.toSatisfy((p: unknown) => p === null || typeof p === 'string'),
    },
  });
}

describe('errors are OpenAI-shaped with a fitting status', () => {
  it('malformed JSON → 400', async () => {
    const res = await postRaw(chatUrl(), '{"model": "kimi-k2.6", "messages": [');
    expect(res.status).toBe(400);
    expectOpenAIError(res.json);
    expect(res.json.error.message).toMatch(/not valid JSON/);
  });

  it('missing or wrong-typed model/messages → 400 naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ messages: [{ role: 'user', content: 'hi' }] }, 'model'],
      [{ model: 42, messages: [{ role: 'user', content: 'hi' }] }, 'model'],
      [{ model: 'kimi-k2.6' }, 'messages'],
      [{ model: 'kimi-k2.6', messages: 'hi' }, 'messages'],
      [{ model: 'kimi-k2.6', messages: [] }, 'messages'],
      [{ model: 'kimi-k2.6', messages: ['hi'] }, 'messages[0]'],
      [[1, 2], ''],
    ];
    for (const [body, field] of cases) {
      const res = await postRaw(chatUrl(), JSON.stringify(body));
      expect(res.status, JSON.stringify(body)).toBe(400);
      expectOpenAIError(res.json);
      if (field !== '') {
        expect(res.json.error.param).toBe(field);
        expect(res.json.error.message).toContain(`\`${field}\``);
      }
    }
  });

  it('unknown model → 404 model_not_found saying how to list models', async () => {
    for (const model of ['gpt-nonexistent', 'nosuchprovider/some-model']) {
      const res = await postRaw(chatUrl(), JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }));
      expect(res.status).toBe(404);
      expectOpenAIError(res.json);
      expect(res.json.error.code).toBe('model_not_found');
      expect(res.json.error.message).toContain('GET /v1/models');
    }
  });

  it('a model name too long for a header → 400 the SDK can read (it used to be echoed into x-moongate-model)', async () => {
    const before = stack.sim.requests.length;
    await expect(stack.client.chat.completions.create({ model: `moonshot/${'a'.repeat(17_000)}`, messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({
      status: 400,
      param: 'model',
      message: expect.stringContaining('model names have 256 at most'),
    });
    expect(stack.sim.requests.length).toBe(before);
  });

  it('an unknown name in `fallbacks` → 404 naming fallbacks[i], not model', async () => {
    const res = await postRaw(chatUrl(), JSON.stringify({ model: 'moonshot/kimi-k2.6', fallbacks: ['moonshot/kimi-k2.5', 'nowhere/x'], messages: [{ role: 'user', content: 'hi' }] }));
    expect(res.status).toBe(404);
    expectOpenAIError(res.json);
    expect(res.json.error).toMatchObject({ code: 'model_not_found', param: 'fallbacks[1]' });
    expect(res.json.error.message).toMatch(/^In `fallbacks\[1\]`: The model `nowhere\/x` does not exist/);
  });

  it('a model Moonshot does not know → 404 from upstream, also model_not_found', async () => {
    await expect(stack.client.chat.completions.create({ model: 'moonshot/kimi-k9-imaginary', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({
      status: 404,
      code: 'model_not_found',
      message: expect.stringContaining('moonshot: Not found the model kimi-k9-imaginary or Permission denied'),
    });
  });

  it('what a caller attaches is bounded: a long customer id or trace id, or metadata over 16 KB → 400 naming it', async () => {
    const long = 'c'.repeat(257);
    const customer = await postRaw(chatUrl(), ask('hi', { customer_identifier: long }));
    expect(customer.status).toBe(400);
    expect(customer.json.error).toMatchObject({ param: 'customer_identifier', message: expect.stringContaining('at most 256') });
    const metadata = await postRaw(chatUrl(), ask('hi', { metadata: { blob: 'm'.repeat(17 * 1024) } }));
    expect(metadata.status).toBe(400);
    expect(metadata.json.error).toMatchObject({ code: 'invalid_metadata', param: 'metadata' });
    const trace = await postRaw(chatUrl(), ask('hi'), { 'x-moongate-trace-id': long });
    expect(trace.json.error).toMatchObject({ param: 'x-moongate-trace-id' });
    // OpenAI's own `user` goes upstream as sent; only the log keeps less of it.
    expect((await postRaw(chatUrl(), ask('hi', { user: 'u'.repeat(1000) }))).status).toBe(200);
  });

  it('body over the limit → 413', async () => {
    const big = ask('x'.repeat(1.5 * 1024 * 1024));
    const res = await postRaw(chatUrl(), big);
    expect(res.status).toBe(413);
    expectOpenAIError(res.json);
    expect(res.json.error.message).toContain('1 MB');
  });

  it('upstream errors keep their status and type, prefixed with the provider', async () => {
    await expect(
      stack.client.chat.completions.create({ model: 'moonshot/kimi-k3', messages: [{ role: 'user', content: '[[sim:fixture=moonshotai-issue-19544-rejected]]' }] }),
    ).rejects.toMatchObject({
      status: 400,
      type: 'invalid_request_error',
      message: expect.stringMatching(/^400 moonshot: Invalid request: response_format\.json_schema is not a valid moonshot flavored json schema/),
    });
    await expect(stack.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: '[[sim:error=500]]' }] })).rejects.toMatchObject({
      status: 500,
      message: expect.stringContaining('moonshot: '),
    });
  });

  it("Moonshot's context overflow → context_length_exceeded, the code the gateway's own guard gives", async () => {
    // The guard's estimate, which errs low, leaves out a message's name; the simulator counts it as
    // Moonshot's tokenizer would: this request gets past the guard and is refused upstream.
    const messages = [
      { role: 'user', content: 'hi', name: 'x'.repeat(8_000) },
      { role: 'assistant', content: 'hello' },
      { role: 'user', content: 'again' },
    ];
    const err = await stack.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: messages as never, max_completion_tokens: 262_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err).toMatchObject({
      status: 400,
      type: 'invalid_request_error',
      code: 'context_length_exceeded',
      param: 'messages',
      message: expect.stringContaining('moonshot: Invalid request: Your request exceeded model token limit: 262144'),
    });
  });

  it('429 → retry-after from "please try again after N seconds"', async () => {
    // kimi-k2.5 here and below: a 429 rests its deployment for the time it asks, which other tests should not wait out.
    const res = await postRaw(chatUrl(), ask('[[sim:error=429,after=3]]', { model: 'moonshot/kimi-k2.5' }));
    expect(res.status).toBe(429);
    expectOpenAIError(res.json);
    expect(res.json.error.type).toBe('rate_limit_reached_error');
    expect(res.headers.get('retry-after')).toBe('3');
  });

  it("a configured key the provider rejects → 503 for the caller, without the operator's details (the region diagnosis is the operator's: resilience-regressions.test.ts)", async () => {
    const res = await postRaw(chatUrl(), JSON.stringify({ model: 'moonshot/kimi-k2-thinking', messages: [{ role: 'user', content: 'hi' }] }));
    expect(res.status).toBe(503);
    expectOpenAIError(res.json);
    expect(res.json.error.code).toBe('upstream_credentials_refused');
    expect(res.json.error.message).not.toContain(stack.sim.globalBaseUrl);
    expect(res.json.error.message).not.toContain(CN_KEY);
  });

  it('upstream garbage → 502 with what came back', async () => {
    const res = await postRaw(chatUrl(), ask('[[sim:garbage]]'));
    expect(res.status).toBe(502);
    expectOpenAIError(res.json);
    expect(res.json.error.message).toMatch(/^moonshot: answered with a body that is not JSON/);
  });

  it('an unreachable upstream → 502 naming the host', async () => {
    const res = await postRaw(chatUrl(), JSON.stringify({ model: 'moonshot/moonshot-v1-32k', messages: [{ role: 'user', content: 'hi' }] }));
    expect(res.status).toBe(502);
    expectOpenAIError(res.json);
    expect(res.json.error.message).toContain('could not reach 127.0.0.1:9');
  });

  it('unknown routes and wrong methods answer OpenAI-shaped errors', async () => {
    const notFound = await fetch(`${stack.url}/v1/nothing-here`);
    expect(notFound.status).toBe(404);
    expectOpenAIError(await notFound.json());
    const wrongMethod = await fetch(chatUrl());
    expect(wrongMethod.status).toBe(405);
    expectOpenAIError(await wrongMethod.json());
  });

  it('the SDK surfaces the error type and message', async () => {
    const err = await stack.client.chat.completions
      .create({ model: 'moonshot/kimi-k3', messages: [{ role: 'user', content: '[[sim:error=429,after=5]]' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after')).toBe('5');
  });
});

describe("requests Node's HTTP parser refuses", () => {
  /** Sends raw bytes and reads until the gateway closes the connection. */
  async function raw(request: string): Promise<{ status: number; json: any }> {
    const { port } = new URL(stack.url);
    const socket = connect(Number(port), '127.0.0.1');
    socket.write(request);
    let text = '';
    for await (const chunk of socket) text += (chunk as Buffer).toString('latin1');
    const [head, body] = text.split('\r\n\r\n', 2) as [string, string];
    return { status: Number(head.split(' ')[1]), json: JSON.parse(body) };
  }

  it('get an OpenAI-shaped error too, not a bare status line; the absolute form is served', async () => {
    const chunked = await raw('POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n');
    expect(chunked.status).toBe(400);
    expectOpenAIError(chunked.json);
    expect(chunked.json.error).toMatchObject({ type: 'invalid_request_error', code: 'bad_http_request' });
    expect(chunked.json.error.message).toMatch(/^The request is not valid HTTP\/1\.1 \(HPE_/);

    const both = await raw('POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
    expect(both.status).toBe(400);
    expectOpenAIError(both.json);

    // The absolute form of the request target, which HTTP/1.1 servers must accept.
    const body = JSON.stringify({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi' }] });
    const absolute = await raw(`POST ${stack.url}/v1/chat/completions HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    expect(absolute.status).toBe(200);
    expect(absolute.json.object).toBe('chat.completion');

    // `Expect: 100-continue` with a body over the limit: the 413 comes without inviting the body.
    const unwanted = await raw('POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n');
    expect(unwanted.status).toBe(413);
    expect(unwanted.json.error.code).toBe('request_too_large');

    // The same for a route with a smaller limit of its own (1 MB), and for a route that reads no body.
    const adminTooLarge = await raw('POST /admin/keys HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1500000\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n');
    expect(adminTooLarge.status).toBe(413);
    expect(adminTooLarge.json.error.message).toContain('fixed for this route');
    const nowhere = await raw('POST /v1/nowhere HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n');
    expect(nowhere.status).toBe(404);

    // ...and a body within it is invited, then answered.
    const invited = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(new URL(stack.url).port), '127.0.0.1');
      let text = '';
      socket.on('data', (d: Buffer) => {
        text += d.toString('latin1');
        if (text === 'HTTP/1.1 100 Continue\r\n\r\n') socket.write(body);
      });
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
      socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`);
    });
    expect(invited).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n[\s\S]*"chat\.completion"/);

    // A body whose second chunk is malformed (logged as such: logs-records.test.ts).
    const half = '{"model": "moonshot/kimi-k2.6", ';
    const brokenChunk = await raw(`POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${half.length.toString(16)}\r\n${half}\r\nZZ\r\n`);
    expect(brokenChunk.status).toBe(400);
    expect(brokenChunk.json.error.code).toBe('bad_http_request');

    const huge = await raw(`GET /v1/models HTTP/1.1\r\nHost: a\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(huge.status).toBe(431);
    expect(huge.json.error.message).toBe('The request headers are too large.');
  });
});
