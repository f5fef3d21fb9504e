import type { ServerResponse } from 'node:http';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenLoopback } from '../helpers/loopback-upstream.js';
import type { LoopbackUpstream } from '../helpers/loopback-upstream.js';
import { allLogs, startLogsStack } from '../helpers/logs-stack.js';
import type { LogsStack } from '../helpers/logs-stack.js';

/**
 * Some OpenAI-compatible servers end a finished stream by closing it, with no `data: [DONE]`
 * (ik_llama.cpp, llama-box and TGI before 2.2 did; see their issues #467, #2, PR #2221). The
 * answer was complete; the OpenAI SDK reads such a stream to its end without complaint. The
 * gateway ended it with an error event instead ("upstream closed the stream before it
 * finished"), so the SDK threw after the whole answer, and the log said 502.
 */
let upstream: LoopbackUpstream;
let stack: LogsStack;
let client: OpenAI;
let answer: (res: ServerResponse) => void;

const chunk = (extra: Record<string, unknown>) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'llama', ...extra })}\n\n`;

beforeAll(async () => {
  upstream = await listenLoopback((req, res) => {
    req.resume().on('end', () => answer(res));
  });
  stack = await startLogsStack({
    configYaml: `
router: { retries: 0, cooldown: { fails: 1000 } }
providers:
  local: { base_url: ${upstream.base}, api_key: sk-local-0001 }
pricing:
  local/llama: { input: 1, output: 2 }
`,
  });
  client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: 'open-mode', maxRetries: 0 });
});
afterAll(async () => {
  await stack.close();
  await upstream.close();
});

describe('a stream an OpenAI-compatible server ends without [DONE]', () => {
  it('reaches the SDK whole, without an error, once the answer had finished', async () => {
    answer = (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk({ choices: [{ index: 0, delta: { role: 'assistant', content: 'Hel' }, finish_reason: null }] }));
      res.write(chunk({ choices: [{ index: 0, delta: { content: 'lo' }, finish_reason: null }] }));
      // Python servers write JSON with a space after the colon.
      res.write(`data: {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "llama", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}\n\n`);
      res.end(chunk({ choices: [], usage: { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 } }));
    };
    const stream = await client.chat.completions.create({ model: 'local/llama', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    let finish: string | null = null;
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? '';
      finish = c.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe('Hello');
    expect(finish).toBe('stop');

    await stack.flush();
    const [record] = await allLogs(stack);
    expect(record).toMatchObject({ status: 200, error_type: null, prompt_tokens: 1000, completion_tokens: 500 });
    expect(record.cost_usd).toBeCloseTo(0.002, 10);
  });

  it('still ends with an error when the stream was cut before the answer finished', async () => {
    answer = (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(chunk({ choices: [{ index: 0, delta: { role: 'assistant', content: 'Hel' }, finish_reason: null }] }));
    };
    const stream = await client.chat.completions.create({ model: 'local/llama', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const err = await (async () => {
      for await (const c of stream) void c;
    })().catch((e: unknown) => e);
    expect(String(err)).toContain('upstream closed the stream before it finished');
  });
});
