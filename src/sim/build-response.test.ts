import { describe, expect, it } from 'vitest';
import { buildCompletion, streamPayloads } from './build-response.js';
import type { ReplyPlan } from './generate-reply.js';

const textPlan: ReplyPlan = {
  reasoning: ['Think', 'ing'],
  content: ['O', 'K'],
  toolCalls: [],
  finishReason: 'stop',
  completionTokens: 4,
  reasoningTokens: 2,
};
const toolPlan: ReplyPlan = {
  reasoning: [],
  content: [],
  toolCalls: [{ index: 0, id: 'get_weather_0', type: 'function', name: 'get_weather', arguments: '{"city": "Paris"}', fragments: ['{"', 'city', '": "Paris"}'] }],
  finishReason: 'tool_calls',
  completionTokens: 4,
  reasoningTokens: 0,
};
const usage = { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 };
const meta = { id: 'chatcmpl-x', created: 1, model: 'kimi-k3', choices: 1, thinking: true, usage };
const streamMeta = { ...meta, systemFingerprint: 'fpv0_test', includeUsage: true, finishReason: 'stop' as const };

describe('buildCompletion', () => {
  it('matches the live non-stream shape (role, content, reasoning_content)', () => {
    expect(buildCompletion(textPlan, meta)).toBe(
      '{"id":"chatcmpl-x","object":"chat.completion","created":1,"model":"kimi-k3","choices":[{"index":0,"message":{"role":"assistant","content":"OK","reasoning_content":"Thinking"},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":4,"total_tokens":13}}',
    );
  });

  it('puts tool calls with index after an empty content', () => {
    const body = JSON.parse(buildCompletion(toolPlan, { ...meta, thinking: false }));
    expect(body.choices[0].message).toEqual({
      role: 'assistant',
      content: '',
      tool_calls: [{ index: 0, id: 'get_weather_0', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } }],
    });
    expect(body.choices[0].finish_reason).toBe('tool_calls');
  });

  it('repeats the choice for n', () => {
    const body = JSON.parse(buildCompletion(textPlan, { ...meta, choices: 3 }));
    expect(body.choices.map((c: { index: number }) => c.index)).toEqual([0, 1, 2]);
  });
});

describe('streamPayloads', () => {
  it('emits role, reasoning, content, finish with usage in choices[0], then the usage-only chunk', () => {
    const chunks = [...streamPayloads(textPlan, streamMeta)].map((c) => JSON.parse(c));
    expect(chunks.map((c) => c.choices[0]?.delta)).toEqual([
      { role: 'assistant', content: '' },
      { reasoning_content: 'Think' },
      { reasoning_content: 'ing' },
      { content: 'O' },
      { content: 'K' },
      {},
      undefined,
    ]);
    expect(chunks[5].choices[0]).toEqual({ index: 0, delta: {}, finish_reason: 'stop', usage });
    expect(chunks[5].usage).toBeUndefined();
    expect(chunks[6]).toEqual({ id: 'chatcmpl-x', object: 'chat.completion.chunk', created: 1, model: 'kimi-k3', choices: [], usage });
    expect(chunks[0].system_fingerprint).toBe('fpv0_test');
  });

  it('omits the usage-only chunk without include_usage', () => {
    const chunks = [...streamPayloads(textPlan, { ...streamMeta, includeUsage: false })];
    expect(chunks).toHaveLength(6);
  });

  it('streams tool calls as id/name with "" arguments, then fragments', () => {
    const chunks = [...streamPayloads(toolPlan, { ...streamMeta, finishReason: 'tool_calls' })].map((c) => JSON.parse(c));
    expect(chunks[1].choices[0].delta).toEqual({
      tool_calls: [{ index: 0, id: 'get_weather_0', type: 'function', function: { name: 'get_weather', arguments: '' } }],
    });
    expect(chunks[2].choices[0].delta).toEqual({ tool_calls: [{ index: 0, function: { arguments: '{"' } }] });
    const args = chunks.slice(2, 5).map((c) => c.choices[0].delta.tool_calls[0].function.arguments).join('');
    expect(args).toBe('{"city": "Paris"}');
    expect(chunks[5].choices[0].finish_reason).toBe('tool_calls');
  });
});

describe('logprobs (moonshotai-logprobs.json / .chunks.txt)', () => {
  const v1Plan: ReplyPlan = { reasoning: [], content: ['OK', '!'], toolCalls: [], finishReason: 'stop', completionTokens: 2, reasoningTokens: 0 };
  const v1Meta = { ...meta, model: 'moonshot-v1-8k', thinking: false, logprobs: { top: 1 } };

  it('non-stream: choices[].logprobs.content after finish_reason, one entry per token with bytes and top_logprobs', () => {
    const body = JSON.parse(buildCompletion(v1Plan, v1Meta));
    const choice = body.choices[0];
    expect(Object.keys(choice)).toEqual(['index', 'message', 'finish_reason', 'logprobs']);
    expect(choice.logprobs.content).toHaveLength(2);
    const [first] = choice.logprobs.content;
    expect(Object.keys(first)).toEqual(['token', 'logprob', 'bytes', 'top_logprobs']);
    expect(first.token).toBe('OK');
    expect(first.bytes).toEqual([79, 75]);
    expect(typeof first.logprob).toBe('number');
    expect(first.top_logprobs).toEqual([{ token: 'OK', logprob: first.logprob, bytes: [79, 75] }]);
  });

  it('stream: logprobs ride on the content chunks, between delta and finish_reason', () => {
    const chunks = [...streamPayloads(v1Plan, { ...streamMeta, ...v1Meta })].map((p) => JSON.parse(p));
    const content = chunks.filter((c) => c.choices[0]?.delta?.content);
    expect(content.map((c) => c.choices[0].delta.content)).toEqual(['OK', '!']);
    for (const c of content) {
      expect(Object.keys(c.choices[0])).toEqual(['index', 'delta', 'logprobs', 'finish_reason']);
      expect(c.choices[0].logprobs.content[0].token).toBe(c.choices[0].delta.content);
    }
    // The role chunk and the finish chunk carry none.
    expect(chunks[0].choices[0].logprobs).toBeUndefined();
    expect(chunks.find((c) => c.choices[0]?.finish_reason)!.choices[0].logprobs).toBeUndefined();
  });

  it('without logprobs requested there are none', () => {
    expect(JSON.parse(buildCompletion(v1Plan, { ...v1Meta, logprobs: undefined })).choices[0].logprobs).toBeUndefined();
  });
});
