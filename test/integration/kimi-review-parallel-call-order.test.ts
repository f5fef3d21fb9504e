import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, upstreamBody } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

type Message = OpenAI.Chat.Completions.ChatCompletionMessageParam;
type ToolCall = OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const cityTool = (name: string): OpenAI.Chat.Completions.ChatCompletionTool => ({
  type: 'function',
  function: { name, parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
});
const tools = [cityTool('get_weather'), cityTool('get_time')];
// The simulator makes one parallel call per tool named in the question.
const question: Message = { role: 'user', content: 'Weather and local time in Paris: get_weather and get_time' };

/**
 * Agent frameworks that run parallel calls concurrently often rebuild the assistant message from
 * their own records (sorted by name, or in completion order): the same calls, another order.
 */
function reorderedHistory(calls: ToolCall[]): Message[] {
  const reordered = [...calls].reverse();
  return [
    question,
    { role: 'assistant', content: null, tool_calls: reordered },
    ...reordered.map((call) => ({ role: 'tool' as const, tool_call_id: call.id, content: `${call.function.name}: ok` })),
  ];
}

describe('reasoning of a parallel tool-call turn sent back with its calls in another order', () => {
  it('is restored after a non-stream turn', async () => {
    const first = await stack.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [question], tools });
    const message = first.choices[0]!.message;
    const reasoning = (message as { reasoning_content?: string }).reasoning_content;
    expect(message.tool_calls).toHaveLength(2);
    expect(reasoning).toBeTruthy();

    const { response } = await stack.client.chat.completions
      .create({ model: 'moonshot/kimi-k2.6', messages: reorderedHistory(message.tool_calls as ToolCall[]), tools })
      .withResponse();
    expect(upstreamBody(stack.sim).messages[1].reasoning_content).toBe(reasoning);
    expect(response.headers.get('x-moongate-adjusted')).toContain('reasoning_content=restored(1)');
  });

  it('is restored after a streamed turn', async () => {
    const stream = await stack.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [question], tools, stream: true });
    let reasoning = '';
    const calls: ToolCall[] = [];
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta;
      if (!delta) continue;
      reasoning += (delta as { reasoning_content?: string }).reasoning_content ?? '';
      for (const d of delta.tool_calls ?? []) {
        calls[d.index] ??= { id: d.id!, type: 'function', function: { name: d.function!.name!, arguments: '' } };
        calls[d.index]!.function.arguments += d.function?.arguments ?? '';
      }
    }
    expect(calls).toHaveLength(2);

    await stack.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: reorderedHistory(calls), tools });
    expect(upstreamBody(stack.sim).messages[1].reasoning_content).toBe(reasoning);
  });
});
