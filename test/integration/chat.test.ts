import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, upstreamBody } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

describe('chat completions through the gateway with the openai SDK', () => {
  it('answers a non-stream request with text, usage and route headers', async () => {
    const { data, response } = await stack.client.chat.completions
      .create({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'Say hello' }] })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.choices[0]!.message.content).toBeTruthy();
    expect(data.usage!.prompt_tokens).toBeGreaterThan(0);
    expect(data.usage!.completion_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-moongate-provider')).toBe('moonshot');
    expect(response.headers.get('x-moongate-model')).toBe('kimi-k2.6');
    expect(response.headers.get('x-moongate-credential')).toBe('main');
    expect(response.headers.get('x-moongate-attempts')).toBe('1');
    expect(response.headers.get('x-moongate-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    // The SDK's own handle on the answer's id is the gateway's request id, the log record's.
    expect((data as unknown as { _request_id: string })._request_id).toBe(response.headers.get('x-moongate-request-id'));
    expect(response.headers.get('server-timing')).toMatch(/gateway;dur=[\d.]+, upstream;dur=[\d.]+/);
  });

  it('resolves a bare catalogue model name', async () => {
    const data = await stack.client.chat.completions.create({ model: 'kimi-k2.6', messages: [{ role: 'user', content: 'hi' }] });
    expect(data.choices[0]!.message.content).toBeTruthy();
    expect(upstreamBody(stack.sim).model).toBe('kimi-k2.6');
  });

  it('streams without usage when the client did not ask for it', async () => {
    const stream = await stack.client.chat.completions.create({
      model: 'moonshot/kimi-k2.6',
      messages: [{ role: 'user', content: 'Count to three' }],
      stream: true,
    });
    let content = '';
    let reasoning = '';
    let usageSeen = 0;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      if (chunk.usage) usageSeen++;
      const choice = chunk.choices[0];
      if (!choice) continue;
      content += choice.delta.content ?? '';
      reasoning += (choice.delta as { reasoning_content?: string }).reasoning_content ?? '';
      finish = choice.finish_reason ?? finish;
      expect((choice as { usage?: unknown }).usage).toBeUndefined();
    }
    expect(content.length).toBeGreaterThan(0);
    expect(reasoning.length).toBeGreaterThan(0);
    expect(finish).toBe('stop');
    expect(usageSeen).toBe(0);
    // Usage is still requested upstream, for the logs.
    expect(upstreamBody(stack.sim).stream_options).toEqual({ include_usage: true });
  });

  it('streams usage exactly once when the client asked', async () => {
    const stream = await stack.client.chat.completions.create({
      model: 'moonshot/kimi-k2.6',
      messages: [{ role: 'user', content: 'Count to three' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const usages = [];
    let last;
    for await (const chunk of stream) {
      if (chunk.usage) usages.push({ usage: chunk.usage, choices: chunk.choices.length });
      last = chunk;
    }
    expect(usages).toHaveLength(1);
    expect(usages[0]!.choices).toBe(0);
    expect(usages[0]!.usage.total_tokens).toBe(usages[0]!.usage.prompt_tokens + usages[0]!.usage.completion_tokens);
    expect(last!.usage).toBeTruthy();
  });

  it('returns tool calls in a non-stream answer', async () => {
    const data = await stack.client.chat.completions.create({
      model: 'moonshot/kimi-k2.6',
      messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
      tools: [weatherTool],
    });
    const choice = data.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    const call = choice.message.tool_calls![0]!;
    expect(call.type).toBe('function');
    if (call.type !== 'function') throw new Error('unexpected tool call type');
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toHaveProperty('city');
  });

  it('reassembles streamed tool-call arguments with the SDK’s stream helper', async () => {
    const runner = stack.client.chat.completions.stream({
      model: 'moonshot/kimi-k2.6',
      messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
      tools: [weatherTool],
    });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0]!.message.tool_calls![0]!;
    if (call.type !== 'function') throw new Error('unexpected tool call type');
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toHaveProperty('city');
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it('passes vision input with a data URL through whole', async () => {
    const png =
      'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
    const data = await stack.client.chat.completions.create({
      model: 'moonshot/kimi-k2.6',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this image?' },
            { type: 'image_url', image_url: { url: png } },
          ],
        },
      ],
    });
    expect(data.choices[0]!.message.content).toBeTruthy();
    const sent = upstreamBody(stack.sim).messages[0].content;
    expect(Array.isArray(sent)).toBe(true);
    expect(sent[1].image_url.url).toBe(png);
  });

  it('lists aliases and catalogue models', async () => {
    const list = await stack.client.models.list();
    const ids = list.data.map((m) => m.id);
    expect(ids).toContain('moonshot/kimi-k2.6');
    expect(ids).toContain('moonshot/kimi-k3');
  });

  it('serves the same API on /chat/completions and /api/chat/completions', async () => {
    for (const path of ['/chat/completions', '/api/chat/completions']) {
      const res = await fetch(`${stack.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { object: string }).object).toBe('chat.completion');
    }
  });

  it('answers health checks', async () => {
    expect((await fetch(`${stack.url}/health/live`)).status).toBe(200);
    expect((await fetch(`${stack.url}/health/ready`)).status).toBe(200);
  });
});
