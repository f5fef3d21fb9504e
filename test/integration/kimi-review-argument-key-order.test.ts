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

// Properties not in alphabetical order: the model writes them in schema order.
const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: 'book_flight',
      parameters: {
        type: 'object',
        properties: { to: { type: 'string' }, from: { type: 'string' }, passengers: { type: 'object', properties: { count: { type: 'integer' }, adults: { type: 'integer' } }, required: ['count', 'adults'] } },
        required: ['to', 'from', 'passengers'],
      },
    },
  },
];

/** What a client that keeps arguments as a sorted map writes back (Go maps, Rust serde_json::Value, Python sort_keys). */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortedKeys((value as Record<string, unknown>)[k])]));
  }
  return value;
}

describe('reasoning of a tool-call turn whose arguments come back with their keys reordered', () => {
  it('is restored', async () => {
    const question: Message = { role: 'user', content: 'Book me a flight' };
    const first = await stack.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [question], tools });
    const message = first.choices[0]!.message;
    const reasoning = (message as { reasoning_content?: string }).reasoning_content;
    const call = message.tool_calls![0] as OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall;
    const rewritten = JSON.stringify(sortedKeys(JSON.parse(call.function.arguments)));
    expect(rewritten).not.toBe(JSON.stringify(JSON.parse(call.function.arguments)));

    const history: Message[] = [
      question,
      { role: 'assistant', content: null, tool_calls: [{ ...call, function: { ...call.function, arguments: rewritten } }] },
      { role: 'tool', tool_call_id: call.id, content: 'booked' },
    ];
    await stack.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: history, tools });
    expect(upstreamBody(stack.sim).messages[1].reasoning_content).toBe(reasoning);
  });
});
