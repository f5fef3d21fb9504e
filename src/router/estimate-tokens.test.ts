import { describe, expect, it } from 'vitest';
import { estimatePromptTokens, requestedCompletionTokens } from './estimate-tokens.js';

const user = (content: unknown) => ({ messages: [{ role: 'user', content }] });

describe('estimatePromptTokens', () => {
  it('counts about 4 characters per token for Latin text, plus 4 per message', () => {
    expect(estimatePromptTokens(user('abcd'.repeat(100)))).toBe(4 + 100);
    expect(estimatePromptTokens({ messages: [{ role: 'system', content: 'abcd' }, { role: 'user', content: 'abcdabcd' }] })).toBe(4 + 1 + 4 + 2);
  });

  it('counts a CJK character (from U+2E80 up) as a token, and the characters just below as Latin', () => {
    expect(estimatePromptTokens(user('月亮'.repeat(50)))).toBe(4 + 100);
    expect(estimatePromptTokens(user('\u2e80'.repeat(8)))).toBe(4 + 8);
    expect(estimatePromptTokens(user('\u2e7f'.repeat(8)))).toBe(4 + 2);
    // Latin text that is not Latin-1 (a curly quote) is still Latin.
    expect(estimatePromptTokens(user('it’s'.repeat(10)))).toBe(4 + 10);
  });

  it('mixes the two in one text', () => {
    expect(estimatePromptTokens(user(`${'abcd'.repeat(10)}${'月'.repeat(10)}`))).toBe(4 + 10 + 10);
  });

  it('counts text parts, a fixed amount per image, tool calls and tool definitions', () => {
    const content = [
      { type: 'text', text: 'abcd'.repeat(5) },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
    ];
    expect(estimatePromptTokens(user(content))).toBe(4 + 5 + 800);
    const toolCalls = [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }];
    const withCalls = { messages: [{ role: 'assistant', content: null, tool_calls: toolCalls }] };
    expect(estimatePromptTokens(withCalls)).toBe(Math.ceil(4 + JSON.stringify(toolCalls).length / 4));
    const tools = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }];
    expect(estimatePromptTokens({ ...user('abcd'), tools })).toBe(Math.ceil(4 + 1 + JSON.stringify(tools).length / 4));
  });

  it("counts the current tool-call chain's reasoning_content, which Kimi reads back, and not earlier turns', which it drops", () => {
    const reasoning = 'abcd'.repeat(2_000);
    const call = [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }];
    const callTokens = JSON.stringify(call).length / 4;
    const chain = {
      messages: [
        { role: 'user', content: 'abcd' },
        { role: 'assistant', content: 'abcd', reasoning_content: reasoning },
        { role: 'user', content: 'abcd' },
        { role: 'assistant', content: null, reasoning_content: reasoning, tool_calls: call },
        { role: 'tool', tool_call_id: 'c1', content: 'abcd' },
      ],
    };
    // The first answer's reasoning is an earlier turn's; the tool call's is the current chain's.
    expect(estimatePromptTokens(chain)).toBe(Math.ceil(5 * 4 + 4 + 2_000 + callTokens));
    const answered = { messages: [...chain.messages, { role: 'assistant', content: 'abcd', reasoning_content: reasoning }, { role: 'user', content: 'abcd' }] };
    expect(estimatePromptTokens(answered)).toBe(Math.ceil(7 * 4 + 6 + callTokens));
  });
});

describe('requestedCompletionTokens', () => {
  it('reads max_completion_tokens, else max_tokens, else 0', () => {
    expect(requestedCompletionTokens({ max_completion_tokens: 100, max_tokens: 5 })).toBe(100);
    expect(requestedCompletionTokens({ max_tokens: 5 })).toBe(5);
    expect(requestedCompletionTokens({})).toBe(0);
    expect(requestedCompletionTokens({ max_tokens: -1 })).toBe(0);
  });
});
