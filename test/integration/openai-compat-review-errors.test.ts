import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/index.js';
import { createGateway } from '../../src/gateway.js';
import type { Gateway } from '../../src/gateway.js';

/**
 * An OpenAI-compatible provider whose server answers errors in its own shape (vLLM, SGLang, TGI,
 * FastAPI): the client, through the official SDK, gets the server's message whole.
 */
let answer: (res: ServerResponse) => void = () => {};
const upstream = createServer((req, res) => {
  req.resume();
  req.on('end', () => answer(res));
});
let gateway: Gateway;
let client: OpenAI;

beforeAll(async () => {
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
  const yaml = `
router: { retries: 0, cooldown: { fails: 1000 } }
providers:
  vllm: { base_url: ${base}, api_key: sk-upstream-review-0001 }
`;
  gateway = createGateway(parseConfigText(yaml, 'test.yaml', {}));
  const url = await gateway.listen(0, '127.0.0.1');
  client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused-in-open-mode', maxRetries: 0 });
});
afterAll(async () => {
  await gateway.close();
  await new Promise((resolve) => upstream.close(resolve));
});

const json = (status: number, body: unknown) => (res: ServerResponse) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

async function errorOf(stream = false): Promise<{ status: number; message: string; type: unknown }> {
  const e = (await client.chat.completions.create({ model: 'vllm/llama', messages: [{ role: 'user', content: 'hi' }], stream }).then(
    () => {
      throw new Error('expected an error');
    },
    (err: unknown) => err,
  )) as InstanceType<typeof OpenAI.APIError>;
  return { status: e.status!, message: (e.error as { message: string }).message, type: (e.error as { type: unknown }).type };
}

describe('errors of an OpenAI-compatible server, in its own shape', () => {
  const contextMessage =
    "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens (4000 in the messages, 1000 in the completion). Please reduce the length of the messages or completion.";

  it("vLLM's flat error: its whole message and type, not raw JSON cut at 200 characters", async () => {
    answer = json(400, { object: 'error', message: contextMessage, type: 'BadRequestError', param: null, code: 400 });
    for (const stream of [false, true]) {
      const e = await errorOf(stream);
      expect(e.status).toBe(400);
      expect(e.message).toBe(`vllm: ${contextMessage}`);
      expect(e.type).toBe('BadRequestError');
    }
  });

  it("a string error and FastAPI's detail: the text itself", async () => {
    answer = json(422, { error: 'Input validation error: `inputs` must not be empty', error_type: 'validation' });
    expect((await errorOf()).message).toBe('vllm: Input validation error: `inputs` must not be empty');
    answer = json(404, { detail: 'Not Found' });
    expect(await errorOf()).toEqual({ status: 404, message: 'vllm: Not Found', type: 'invalid_request_error' });
  });
});
