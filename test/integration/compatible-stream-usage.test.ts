import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allLogs, startLogsStack } from '../helpers/logs-stack.js';
import type { LogsStack } from '../helpers/logs-stack.js';

/**
 * An OpenAI-compatible server that, as OpenAI does, sends usage on a stream only when asked:
 * the gateway asks, so every stream is priced and charged, and holds the usage chunk back from a
 * client that did not ask. `stream_usage: false` leaves the request alone.
 */
const chunk = (extra: Record<string, unknown>) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', ...extra })}\n\n`;
let upstream: Server;
const received: Record<string, unknown>[] = [];
let stack: LogsStack;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString())).on('end', () => {
      const body = JSON.parse(text) as { stream_options?: { include_usage?: boolean } };
      received.push(body);
      if (req.url?.includes('/refuse/') && body.stream_options) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'Unrecognized request argument supplied: stream_options', type: 'invalid_request_error' } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk({ choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: 'stop' }] }));
      if (body.stream_options?.include_usage) res.write(chunk({ choices: [], usage: { prompt_tokens: 1000, completion_tokens: 2000, total_tokens: 3000 } }));
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
  stack = await startLogsStack({
    configYaml: `
router: { retries: 0 }
providers:
  compat: { base_url: ${base}, api_key: sk-compat-0001 }
  strict: { base_url: ${base}, api_key: sk-strict-0001, stream_usage: false }
  refusing: { base_url: ${base}/refuse, api_key: sk-refusing-0001 }
pricing:
  compat/m: { input: 1, output: 2 }
`,
  });
});
afterAll(async () => {
  await stack.close();
  await new Promise((resolve) => upstream.close(resolve));
});

describe('usage on streams from an OpenAI-compatible provider', () => {
  it('is asked for upstream, logged and priced, and not shown to a client that did not ask', async () => {
    const client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: 'open-mode', maxRetries: 0 });
    const seen: unknown[] = [];
    for await (const c of await client.chat.completions.create({ model: 'compat/m', stream: true, messages: [{ role: 'user', content: 'hi' }] })) seen.push(c);
    expect(received.at(-1)).toMatchObject({ stream_options: { include_usage: true } });
    expect(seen.some((c) => (c as { usage?: unknown }).usage)).toBe(false);

    await stack.flush();
    const [record] = (await allLogs(stack)).filter((r) => r.provider === 'compat');
    expect(record).toMatchObject({ prompt_tokens: 1000, completion_tokens: 2000 });
    expect(record.cost_usd).toBeCloseTo(0.005, 10);
  });

  it('is not asked for with stream_usage: false (a server that refuses the field)', async () => {
    const client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: 'open-mode', maxRetries: 0 });
    for await (const c of await client.chat.completions.create({ model: 'strict/m', stream: true, messages: [{ role: 'user', content: 'hi' }] })) void c;
    expect(received.at(-1)).not.toHaveProperty('stream_options');
  });

  it('tells the operator what to set when a server refuses the field the gateway added', async () => {
    const client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: 'open-mode', maxRetries: 0 });
    const err: any = await client.chat.completions.create({ model: 'refusing/m', stream: true, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(err.status).toBe(400);
    expect(err.message).toContain('set providers.refusing.stream_usage: false if this server refuses it');
  });

  it('does not blame the gateway for stream_options a non-stream request brought itself', async () => {
    const client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: 'open-mode', maxRetries: 0 });
    const err: any = await client.chat.completions
      .create({ model: 'refusing/m', stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] } as never)
      .catch((e: unknown) => e);
    expect(err.status).toBe(400);
    expect(err.message).toContain('Unrecognized request argument supplied: stream_options');
    expect(err.message).not.toContain('the gateway added stream_options');
  });
});
