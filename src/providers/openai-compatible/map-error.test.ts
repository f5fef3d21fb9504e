import { describe, expect, it } from 'vitest';
import { mapOpenAIStyleError } from './map-error.js';

describe('mapOpenAIStyleError', () => {
  it("reads OpenAI's shape: status, message, type, code and param kept, the provider named", () => {
    const e = mapOpenAIStyleError('openai', 400, '{"error":{"message":"bad temp","type":"invalid_request_error","code":"bad","param":"temperature"}}', {});
    expect(e.status).toBe(400);
    expect(e.message).toBe('openai: bad temp');
    expect(e.type).toBe('invalid_request_error');
    expect(e.code).toBe('bad');
    expect(e.param).toBe('temperature');
  });

  it('reads the flat error of vLLM and SGLang ({"object":"error","message",…}) instead of showing raw, cut JSON', () => {
    const message =
      "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens (4000 in the messages, 1000 in the completion). Please reduce the length of the messages or completion.";
    const body = JSON.stringify({ object: 'error', message, type: 'BadRequestError', param: null, code: 400 });
    const e = mapOpenAIStyleError('local', 400, body, {});
    expect(e.message).toBe(`local: ${message}`);
    expect(e.type).toBe('BadRequestError');
    expect(e.code).toBe('400'); // a number there; OpenAI clients expect a string or null
  });

  it('reads a string error (LM Studio, TGI) and FastAPI\'s string detail', () => {
    expect(mapOpenAIStyleError('local', 422, '{"error":"Input validation error: `inputs` must not be empty","error_type":"validation"}', {}).message).toBe(
      'local: Input validation error: `inputs` must not be empty',
    );
    expect(mapOpenAIStyleError('local', 404, '{"detail":"Not Found"}', {}).message).toBe('local: Not Found');
  });

  it('shows the start of a body it cannot read, and says when there was none', () => {
    expect(mapOpenAIStyleError('local', 503, '<html>busy</html>', {}).message).toBe('local: HTTP 503: <html>busy</html>');
    expect(mapOpenAIStyleError('local', 502, '  ', {}).message).toBe('local: HTTP 502 with an empty body');
    // JSON without any message it knows: shown as is.
    expect(mapOpenAIStyleError('local', 500, '{"oops":true}', {}).message).toBe('local: HTTP 500: {"oops":true}');
  });

  it('keeps retry-after', () => {
    expect(mapOpenAIStyleError('local', 429, '{"error":{"message":"slow down"}}', { 'retry-after': '3' }).headers).toEqual({ 'retry-after': '3' });
  });

  it('keeps retry-after-ms, alone or with retry-after', () => {
    expect(mapOpenAIStyleError('local', 429, '{"error":{"message":"slow down"}}', { 'retry-after-ms': '1500' }).headers).toEqual({ 'retry-after-ms': '1500' });
    expect(mapOpenAIStyleError('local', 429, '{"error":{"message":"slow down"}}', { 'retry-after': '2', 'retry-after-ms': '1500', 'x-other': 'y' }).headers).toEqual({
      'retry-after': '2',
      'retry-after-ms': '1500',
    });
  });
});

describe('mapOpenAIStyleError with an error object but no message', () => {
  it('still keeps its type and code', () => {
    const e = mapOpenAIStyleError('local', 400, '{"error":{"type":"invalid_request_error","code":"x"}}', {});
    expect(e.type).toBe('invalid_request_error');
    expect(e.code).toBe('x');
    expect(e.message).toBe('local: HTTP 400: {"error":{"type":"invalid_request_error","code":"x"}}');
  });
});

describe('mapOpenAIStyleError with the error bodies of other OpenAI-compatible hosts', () => {
  it("reads Gemini's OpenAI-compatible error, an array holding one error object, instead of cutting its raw JSON at 200 characters", () => {
    const message = 'Invalid JSON payload received. Unknown name "reasoning": Cannot find field.';
    const body = JSON.stringify([
      { error: { code: 400, message, status: 'INVALID_ARGUMENT', details: [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ description: message }] }] } },
    ]);
    const e = mapOpenAIStyleError('gemini', 400, body, {});
    expect(e.message).toBe(`gemini: ${message}`);
    expect(e.type).toBe('invalid_request_error');
    expect(e.code).toBe('400');
  });

  it('leaves other arrays shown as they came', () => {
    expect(mapOpenAIStyleError('local', 500, '[1,2]', {}).message).toBe('local: HTTP 500: [1,2]');
  });
});

describe('mapOpenAIStyleError for a 402', () => {
  it("is OpenAI's insufficient_quota (OpenRouter's and DeepSeek's no-credit answer), its message and type kept", () => {
    const e = mapOpenAIStyleError('openrouter', 402, '{"error":{"code":402,"message":"Insufficient credits","metadata":{}}}', {});
    expect(e.status).toBe(402);
    expect(e.code).toBe('insufficient_quota');
    expect(e.message).toBe('openrouter: Insufficient credits');
    const d = mapOpenAIStyleError('deepseek', 402, '{"error":{"message":"Insufficient Balance","type":"unknown_error","param":null,"code":"invalid_request_error"}}', {});
    expect(d.code).toBe('insufficient_quota');
    expect(d.type).toBe('unknown_error');
  });
});

describe("mapOpenAIStyleError with OpenRouter's error metadata", () => {
  it("adds what the model's provider said (metadata.provider_name and raw) to OpenRouter's bare 'Provider returned error'", () => {
    const raw = JSON.stringify({ error: { code: 400, message: 'Unable to submit request because Thought signature is not valid.', status: 'INVALID_ARGUMENT' } }, null, 2);
    const body = JSON.stringify({ error: { message: 'Provider returned error', code: 400, metadata: { raw, provider_name: 'Google', is_byok: false } }, user_id: 'user_2q36' });
    const e = mapOpenAIStyleError('openrouter', 400, body, {});
    expect(e.message).toBe('openrouter: Provider returned error (Google: Unable to submit request because Thought signature is not valid.)');
    expect(e.code).toBe('400');
  });

  it('shows a raw text that is not JSON as it came, cut when long', () => {
    const body = JSON.stringify({ error: { message: 'Provider returned error', code: 502, metadata: { raw: `upstream timeout ${'x'.repeat(600)}`, provider_name: 'Together' } } });
    const e = mapOpenAIStyleError('openrouter', 502, body, {});
    expect(e.message.startsWith('openrouter: Provider returned error (Together: upstream timeout xxx')).toBe(true);
    expect(e.message.length).toBeLessThan(400);
  });

  it('changes nothing without that metadata', () => {
    const body = JSON.stringify({ error: { message: 'Rate limit exceeded', code: 429, metadata: { headers: { 'X-RateLimit-Limit': '20' } } } });
    expect(mapOpenAIStyleError('openrouter', 429, body, {}).message).toBe('openrouter: Rate limit exceeded');
  });
});

describe("mapOpenAIStyleError with FastAPI's validation error", () => {
  it('reads the detail list of a 422 (each msg with where it was) instead of cutting its raw JSON', () => {
    const body = JSON.stringify({
      detail: [
        { type: 'missing', loc: ['body', 'messages'], msg: 'Field required', input: { model: 'm', prompt: 'x'.repeat(300) } },
        { type: 'float_type', loc: ['body', 'temperature'], msg: 'Input should be a valid number', input: 'hot' },
      ],
    });
    const e = mapOpenAIStyleError('local', 422, body, {});
    expect(e.message).toBe('local: body.messages: Field required; body.temperature: Input should be a valid number');
    expect(e.type).toBe('invalid_request_error');
  });
});

describe("mapOpenAIStyleError with Mistral's validation error", () => {
  it('reads the FastAPI detail list Mistral nests in its flat error’s message, keeping its type', () => {
    const body = JSON.stringify({
      object: 'error',
      message: { detail: [{ type: 'extra_forbidden', loc: ['body', 'store'], msg: 'Extra inputs are not permitted', input: false }] },
      type: 'invalid_request_message_error',
      param: null,
      code: null,
    });
    const e = mapOpenAIStyleError('mistral', 422, body, {});
    expect(e.message).toBe('mistral: body.store: Extra inputs are not permitted');
    expect(e.type).toBe('invalid_request_message_error');
  });
});
