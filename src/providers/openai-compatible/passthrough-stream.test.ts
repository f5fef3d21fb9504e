import { describe, expect, it } from 'vitest';
import { PassthroughStreamTransformer } from './passthrough-stream.js';

const content = '{"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-x","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}';
const usageOnly = '{"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-x","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}';

describe('PassthroughStreamTransformer', () => {
  it('ends with an error event, not silently, when an event it reads nests too deep to log', () => {
    const t = new PassthroughStreamTransformer({ providerName: 'local', forwardUsageChunk: true });
    const out = t.onData('{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"x":' + '['.repeat(20_000) + ']'.repeat(20_000) + '}}');
    expect(out).toContain('"code":"invalid_upstream_response"');
    expect(out).toContain('local: upstream sent a stream event nested more than 128 levels deep');
    expect(t.onData('[DONE]')).toBe('');
  });

  it('keeps the service tier for the price when the answer is not rebuilt, and nothing else', () => {
    const t = new PassthroughStreamTransformer({ providerName: 'openai', forwardUsageChunk: true });
    const flex = content.replace('"model":"gpt-x",', '"model":"gpt-x","service_tier": "flex",');
    expect(t.onData(flex)).toBe(`data: ${flex}\n\n`);
    expect(t.assembled()).toEqual({ object: 'chat.completion', choices: [], service_tier: 'flex' });
    const plain = new PassthroughStreamTransformer({ providerName: 'local', forwardUsageChunk: true });
    plain.onData(content);
    expect(plain.assembled()).toBeUndefined();
  });

  it('passes events through byte for byte and reads usage', () => {
    const t = new PassthroughStreamTransformer({ providerName: 'openai', forwardUsageChunk: true });
    expect(t.onData(content)).toBe(`data: ${content}\n\n`);
    expect(t.onData(usageOnly)).toBe(`data: ${usageOnly}\n\n`);
    expect(t.onData('[DONE]')).toBe('data: [DONE]\n\n');
    expect(t.finish()).toBe('');
    expect(t.usage).toEqual({ prompt_tokens: 5, completion_tokens: 2, total_tokens: 7, cached_tokens: 0, reasoning_tokens: 0 });
  });

  it('gives each line of an event an upstream sent over several data: lines its own data: again (the client joins them back)', () => {
    const t = new PassthroughStreamTransformer({ providerName: 'local', forwardUsageChunk: true });
    // What the SSE parser hands on for `data: {..."model":"m",` + `data: "choices":[...]}`.
    const joined = '{"id":"x","object":"chat.completion.chunk","created":1,"model":"m",\n"choices":[{"index":0,"delta":{"content":"ML"},"finish_reason":null}]}';
    const out = t.onData(joined);
    expect(out).toBe('data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m",\ndata: "choices":[{"index":0,"delta":{"content":"ML"},"finish_reason":null}]}\n\n');
    // Read back as SSE says: data lines joined with line breaks, then JSON.
    const data = out.trim().split('\n').map((line) => line.slice('data: '.length)).join('\n');
    expect(JSON.parse(data).choices[0].delta.content).toBe('ML');
  });

  it('blanks the key sent upstream out of an error event the upstream sends mid-stream', () => {
    const t = new PassthroughStreamTransformer({ providerName: 'up', forwardUsageChunk: true, upstreamKey: 'sk-secret-key-5678' });
    t.onData(content);
    const out = t.onData('{"error":{"message":"quota gone for key sk-secret-key-5678","type":"insufficient_quota"}}');
    expect(out).toContain('up: quota gone for key [key …5678]');
    expect(out).not.toContain('sk-secret-key-5678');
    expect(t.failure?.message).toBe('up: quota gone for key [key …5678]');
  });

  it('holds back the usage chunk the gateway asked for on its own', () => {
    const t = new PassthroughStreamTransformer({ providerName: 'openai', forwardUsageChunk: false });
    expect(t.onData(usageOnly)).toBe('');
    expect(t.usage?.total_tokens).toBe(7);
  });

  it('turns an error event into an OpenAI error event naming the provider, then ignores the rest', () => {
    const t = new PassthroughStreamTransformer({ providerName: 'local', forwardUsageChunk: true });
    const out = t.onData('{"error":{"message":"boom","type":"server_error"}}');
    expect(JSON.parse(out.slice(6))).toEqual({ error: { message: 'local: boom', type: 'server_error', code: null, param: null } });
    expect(t.failed).toBe(true);
    expect(t.onData(content)).toBe('');
  });

  it('reports a stream that ends without [DONE]', () => {
    const t = new PassthroughStreamTransformer({ providerName: 'local', forwardUsageChunk: true });
    t.onData(content);
    expect(JSON.parse(t.finish().slice(6)).error.code).toBe('upstream_stream_incomplete');
  });
});

describe('PassthroughStreamTransformer at a close without [DONE]', () => {
  it('ends with [DONE] once a choice finished (servers that close instead of sending it)', () => {
    const t = new PassthroughStreamTransformer({ providerName: 'local', forwardUsageChunk: true });
    t.onData(content);
    t.onData('{"id": "c1", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}');
    expect(t.finish()).toBe('data: [DONE]\n\n');
    expect(t.failed).toBe(false);
    expect(t.finished).toBe(true);
  });

  it('ends with [DONE] after the usage chunk, which comes last', () => {
    const t = new PassthroughStreamTransformer({ providerName: 'local', forwardUsageChunk: false });
    t.onData(content);
    t.onData(usageOnly);
    expect(t.finish()).toBe('data: [DONE]\n\n');
  });

  it('still reports a cut when no choice had finished (finish_reason "" on every chunk, as some servers send, does not count)', () => {
    const t = new PassthroughStreamTransformer({ providerName: 'local', forwardUsageChunk: true });
    t.onData('{"id":"c1","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":""}]}');
    expect(JSON.parse(t.finish().slice(6)).error.code).toBe('upstream_stream_incomplete');
  });

  it('still reports a cut when no choice had finished (finish_reason null does not count)', () => {
    const t = new PassthroughStreamTransformer({ providerName: 'local', forwardUsageChunk: true });
    t.onData(content);
    expect(JSON.parse(t.finish().slice(6)).error.code).toBe('upstream_stream_incomplete');
  });
});

describe('PassthroughStreamTransformer with an error event whose code is an HTTP status (OpenRouter)', () => {
  it('gives it the type that status stands for and keeps the code as a string', () => {
    const t = new PassthroughStreamTransformer({ providerName: 'openrouter', forwardUsageChunk: true });
    t.onData(content);
    const out = t.onData('{"id":"c1","error":{"code":502,"message":"Provider disconnected"},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]}');
    expect(JSON.parse(out.slice(6))).toEqual({ error: { message: 'openrouter: Provider disconnected', type: 'api_error', code: '502', param: null } });
  });

  it("keeps a type of the upstream's own, and a code that is not a status only as a string", () => {
    const t = new PassthroughStreamTransformer({ providerName: 'vllm', forwardUsageChunk: true });
    expect(t.onData('{"error":{"code":400,"type":"BadRequestError","message":"bad"}}')).toContain('"type":"BadRequestError","code":"400"');
    const u = new PassthroughStreamTransformer({ providerName: 'x', forwardUsageChunk: true });
    expect(u.onData('{"error":{"code":3230,"message":"odd"}}')).toContain('"type":"api_error","code":"3230"');
  });
});
