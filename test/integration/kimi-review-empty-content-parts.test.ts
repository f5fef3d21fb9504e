import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, upstreamBody } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

type Message = OpenAI.Chat.Completions.ChatCompletionMessageParam;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

/**
 * OpenAI accepts an assistant turn's content (and a tool result's) as an array of text parts, and
 * a turn that only called tools may carry none of them: `content: []`. Kimi's text models want a
 * string, and `[]` means what `""` means.
 */
describe('an empty content-part list on a Kimi text model', () => {
  it('is sent as "" for an assistant tool-call turn and a tool result', async () => {
    const history: Message[] = [
      { role: 'user', content: 'ping the server' },
      { role: 'assistant', content: [], tool_calls: [{ id: 'ping_0', type: 'function', function: { name: 'ping', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'ping_0', content: [] },
    ];
    const answer = await stack.client.chat.completions.create({ model: 'moonshot/kimi-k2-0905-preview', messages: history });
    expect(answer.choices[0]!.message.content).toBeTruthy();
    const sent = upstreamBody(stack.sim).messages;
    expect(sent[1].content).toBe('');
    expect(sent[2].content).toBe('');
  });
});
