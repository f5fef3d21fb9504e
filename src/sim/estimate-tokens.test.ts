import { describe, expect, it } from 'vitest';
import { estimatePromptTokens, IMAGE_TOKENS, MESSAGE_OVERHEAD, REPLY_PRIMING } from './estimate-tokens.js';

describe('estimatePromptTokens', () => {
  it('is ceil(chars/4) plus a per-message overhead and reply priming', () => {
    expect(estimatePromptTokens([{ role: 'user', content: 'hello' }])).toBe(REPLY_PRIMING + MESSAGE_OVERHEAD + 2);
  });

  it('is deterministic and grows with the conversation', () => {
    const one = [{ role: 'user', content: 'x'.repeat(400) }];
    const two = [...one, { role: 'assistant', content: 'y'.repeat(40) }];
    expect(estimatePromptTokens(one)).toBe(estimatePromptTokens(one));
    expect(estimatePromptTokens(two) - estimatePromptTokens(one)).toBe(MESSAGE_OVERHEAD + 10);
  });

  it('counts images flat, reasoning, tool calls and tools', () => {
    const image = [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${'A'.repeat(100_000)}` } }] }];
    expect(estimatePromptTokens(image)).toBe(REPLY_PRIMING + MESSAGE_OVERHEAD + IMAGE_TOKENS);
    const withCall = [
      { role: 'assistant', content: '', reasoning_content: 'abcd', tool_calls: [{ function: { name: 'abcd', arguments: '{}' } }] },
    ];
    expect(estimatePromptTokens(withCall)).toBe(REPLY_PRIMING + MESSAGE_OVERHEAD + 1 + 1 + 1);
    const tools = [{ type: 'function', function: { name: 'get_weather' } }];
    expect(estimatePromptTokens([], tools)).toBe(REPLY_PRIMING + Math.ceil(JSON.stringify(tools).length / 4));
  });
});
