import { describe, expect, it } from 'vitest';
import type { GatewayError } from './gateway-error.js';
import { validateChatRequest } from './validate-chat-request.js';

function refusal(body: unknown): GatewayError | undefined {
  try {
    validateChatRequest(body);
  } catch (e) {
    return e as GatewayError;
  }
  return undefined;
}

const base = { model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi' }] };

/**
 * OpenAI's fields of the wrong type are refused by the gateway, naming the field: a model with
 * fixed sampling had `temperature: "hot"` dropped and answered 200, and what reached the upstream
 * came back with `param: null` (or, from another provider, in its own words).
 */
describe('validateChatRequest: types of OpenAI fields', () => {
  it.each([
    [{ temperature: 'hot' }, 'temperature', 'a number', 'a string'],
    [{ top_p: {} }, 'top_p', 'a number', 'an object'],
    [{ presence_penalty: true }, 'presence_penalty', 'a number', 'a boolean'],
    [{ frequency_penalty: '0' }, 'frequency_penalty', 'a number', 'a string'],
    [{ n: '3' }, 'n', 'an integer', 'a string'],
    [{ n: 1.5 }, 'n', 'an integer', 'a number'],
    [{ max_tokens: {} }, 'max_tokens', 'an integer', 'an object'],
    [{ max_completion_tokens: '64' }, 'max_completion_tokens', 'an integer', 'a string'],
    [{ seed: 'x' }, 'seed', 'an integer', 'a string'],
    [{ top_logprobs: [] }, 'top_logprobs', 'an integer', 'an array'],
    [{ logprobs: 'yes' }, 'logprobs', 'a boolean', 'a string'],
    [{ parallel_tool_calls: 1 }, 'parallel_tool_calls', 'a boolean', 'a number'],
    [{ stop: 5 }, 'stop', 'a string or an array', 'a number'],
    [{ stream_options: 'x' }, 'stream_options', 'an object', 'a string'],
    [{ response_format: 'json' }, 'response_format', 'an object', 'a string'],
    [{ logit_bias: [] }, 'logit_bias', 'an object', 'an array'],
    [{ tools: {} }, 'tools', 'an array', 'an object'],
    [{ tool_choice: 5 }, 'tool_choice', 'a string or an object', 'a number'],
    [{ user: 5 }, 'user', 'a string', 'a number'],
    [{ reasoning_effort: 1 }, 'reasoning_effort', 'a string', 'a number'],
  ])('%j is a 400 naming `%s`', (fields, param, expected, got) => {
    const err = refusal({ ...base, ...fields });
    expect(err).toMatchObject({ status: 400, type: 'invalid_request_error', code: 'invalid_type', param });
    expect(err?.message).toBe(`Invalid type for \`${param}\`: expected ${expected}, got ${got}.`);
  });

  it.each([
    [{ content: 5 }, 'messages[0].content', 'a string or an array'],
    [{ content: { text: 'hi' } }, 'messages[0].content', 'a string or an array'],
    [{ name: 7 }, 'messages[0].name', 'a string'],
    [{ tool_calls: 'x' }, 'messages[0].tool_calls', 'an array'],
    [{ tool_call_id: 5 }, 'messages[0].tool_call_id', 'a string'],
  ])('a message with %j is a 400 naming `%s`', (fields, param, expected) => {
    const err = refusal({ ...base, messages: [{ role: 'user', ...fields }] });
    expect(err).toMatchObject({ status: 400, code: 'invalid_type', param });
    expect(err?.message).toMatch(new RegExp(`^Invalid type for \`${param.replace(/[[\]]/g, '\\$&')}\`: expected ${expected}, got `));
  });

  it('takes every valid form, null for any of them, and unknown fields of any type', () => {
    const valid = {
      ...base,
      messages: [
        { role: 'system', content: 'be brief', name: 'sys' },
        { role: 'user', content: [{ type: 'text', text: 'hi' }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        { role: 'tool', content: 'ok', tool_call_id: 'c1' },
      ],
      temperature: 0,
      top_p: 0.9,
      n: 2,
      max_tokens: 64,
      seed: 2 ** 70,
      stop: ['\n'],
      tool_choice: { type: 'function', function: { name: 'f' } },
      response_format: { type: 'json_object' },
      stream_options: { include_usage: true },
      tools: [],
      logprobs: false,
      user: 'u1',
      presence_penalty: null,
      frequency_penalty: null,
      max_completion_tokens: null,
      thinking: { type: 'enabled' },
      x_vendor: 'anything',
    };
    expect(validateChatRequest(valid)).toBe(valid);
    expect(validateChatRequest({ ...base, stop: 'END', tool_choice: 'auto' })).toBeDefined();
  });
});
