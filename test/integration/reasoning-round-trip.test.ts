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

const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
];

/** What most OpenAI client code does: keeps content and tool_calls, drops the unknown reasoning_content. */
function asHistory(message: OpenAI.Chat.Completions.ChatCompletionMessage): Message {
  return { role: 'assistant', content: message.content, tool_calls: message.tool_calls };
}

function toolResults(message: OpenAI.Chat.Completions.ChatCompletionMessage): Message[] {
  return (message.tool_calls ?? []).map((call) => ({ role: 'tool' as const, tool_call_id: call.id, content: '{"temperature_c": 18}' }));
}

/**
 * One turn through the SDK's stream helper, with the whole reasoning collected from the chunks: the
 * helper's own assembled message keeps only the last delta of fields it does not know.
 */
async function streamWithHelper(question: Message): Promise<{ assistant: OpenAI.Chat.Completions.ChatCompletionMessage; reasoning: string }> {
  const runner = stack.client.chat.completions.stream({ model: 'moonshot/kimi-k2.6', messages: [question], tools });
  let reasoning = '';
  runner.on('chunk', (chunk) => {
    reasoning += (chunk.choices[0]?.delta as { reasoning_content?: string } | undefined)?.reasoning_content ?? '';
  });
  const assistant = (await runner.finalChatCompletion()).choices[0]!.message;
  return { assistant, reasoning };
}

describe('reasoning_content round trip for thinking models', () => {
  it('fails against Moonshot directly and works through the gateway (non-stream)', async () => {
    const question: Message = { role: 'user', content: 'What is the weather in Paris?' };
    const first = await stack.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [question], tools });
    const assistant = first.choices[0]!.message;
    const reasoning = (assistant as { reasoning_content?: string }).reasoning_content;
    expect(assistant.tool_calls?.length).toBeGreaterThan(0);
    expect(reasoning).toBeTruthy();

    const history: Message[] = [question, asHistory(assistant), ...toolResults(assistant)];

    await expect(stack.direct.chat.completions.create({ model: 'kimi-k2.6', messages: history, tools })).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('thinking is enabled but reasoning_content is missing in assistant tool call message at index 1'),
    });

    const { data, response } = await stack.client.chat.completions
      .create({ model: 'moonshot/kimi-k2.6', messages: history, tools })
      .withResponse();
    expect(data.choices[0]!.message.content).toBeTruthy();
    expect(upstreamBody(stack.sim).messages[1].reasoning_content).toBe(reasoning);
    expect(response.headers.get('x-moongate-adjusted')).toContain('reasoning_content=restored(1)');
  });

  it('remembers reasoning from a streamed turn', async () => {
    const question: Message = { role: 'user', content: 'Weather in Tokyo please' };
    const { assistant, reasoning } = await streamWithHelper(question);
    expect(reasoning.length).toBeGreaterThan(5);
    expect(assistant.tool_calls?.length).toBeGreaterThan(0);

    const history: Message[] = [question, asHistory(assistant), ...toolResults(assistant)];
    const stream = await stack.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: history, tools, stream: true });
    let content = '';
    for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? '';
    expect(content.length).toBeGreaterThan(0);
    expect(upstreamBody(stack.sim).messages[1].reasoning_content).toBe(reasoning);
  });

  it('remembers a streamed turn for a client that stops reading at finish_reason (the stream closes before [DONE])', async () => {
    // Paced, so the usage chunk and [DONE] come well after the finish chunk, as they may from Moonshot.
    const question: Message = { role: 'user', content: 'Weather in Madrid? [[sim:token_delay=50]]' };
    const stream = await stack.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [question], tools, stream: true });
    let reasoning = '';
    const calls: OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall[] = [];
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (!choice) continue;
      reasoning += (choice.delta as { reasoning_content?: string }).reasoning_content ?? '';
      for (const d of choice.delta.tool_calls ?? []) {
        calls[d.index] ??= { id: d.id!, type: 'function', function: { name: d.function!.name!, arguments: '' } };
        calls[d.index]!.function.arguments += d.function?.arguments ?? '';
      }
      if (choice.finish_reason) break;
    }
    expect(calls.length).toBeGreaterThan(0);

    const assistant = { role: 'assistant', content: null, tool_calls: calls } as OpenAI.Chat.Completions.ChatCompletionMessage;
    const { response } = await stack.client.chat.completions
      .create({ model: 'moonshot/kimi-k2.6', messages: [question, asHistory(assistant), ...toolResults(assistant)], tools })
      .withResponse();
    expect(upstreamBody(stack.sim).messages[1].reasoning_content).toBe(reasoning);
    expect(response.headers.get('x-moongate-adjusted')).toContain('reasoning_content=restored(1)');
  });

  it("completes the cut reasoning of a message taken as is from the SDK's stream helper", async () => {
    const question: Message = { role: 'user', content: 'Weather in Lisbon, please' };
    const { assistant, reasoning } = await streamWithHelper(question);
    const kept = (assistant as { reasoning_content?: string }).reasoning_content;
    // The helper keeps only the last fragment: what its users send back, as the SDK's examples do.
    expect(kept).toBeTruthy();
    expect(kept!.length).toBeLessThan(reasoning.length);
    expect(reasoning.endsWith(kept!)).toBe(true);

    const history: Message[] = [question, assistant as Message, ...toolResults(assistant)];
    const { response } = await stack.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: history, tools }).withResponse();
    expect(upstreamBody(stack.sim).messages[1].reasoning_content).toBe(reasoning);
    expect(response.headers.get('x-moongate-adjusted')).toContain('reasoning_content=completed(1)');
  });

  it('sends the placeholder Moonshot accepts when the reasoning is unknown', async () => {
    const history: Message[] = [
      { role: 'user', content: 'Weather in Rome?' },
      {
        role: 'assistant',
        content: '',
        tool_calls: [{ id: 'get_weather:0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome, from another session"}' } }],
      },
      { role: 'tool', tool_call_id: 'get_weather:0', content: '{"temperature_c": 22}' },
    ];
    const { data, response } = await stack.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: history, tools }).withResponse();
    expect(data.choices[0]!.message.content).toBeTruthy();
    expect(upstreamBody(stack.sim).messages[1].reasoning_content).toBe(' ');
    expect(response.headers.get('x-moongate-adjusted')).toContain('reasoning_content=placeholder(1)');
  });

  it('keeps one caller’s reasoning out of another caller’s requests', async () => {
    const question: Message = { role: 'user', content: 'What is the weather in Oslo?' };
    const first = await stack.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [question], tools });
    const assistant = first.choices[0]!.message;
    const history: Message[] = [question, asHistory(assistant), ...toolResults(assistant)];
    const other = stack.client.withOptions({ apiKey: 'another-caller' });
    await other.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: history, tools });
    expect(upstreamBody(stack.sim).messages[1].reasoning_content).toBe(' ');
  });

  it("never sends one user's reasoning in another user's conversation behind the same key", async () => {
    // Both ask for the same call (same id, name and arguments): only the conversations differ.
    const alice: Message = { role: 'user', content: 'Alice here, my account PIN is 1111. Weather in Paris?' };
    const bob: Message = { role: 'user', content: 'Bob here, my account PIN is 2222. Weather in Paris?' };
    const fromAlice = (await stack.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [alice], tools })).choices[0]!.message;
    const fromBob = (await stack.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [bob], tools })).choices[0]!.message;
    expect(fromBob.tool_calls).toEqual(fromAlice.tool_calls);

    const { response } = await stack.client.chat.completions
      .create({ model: 'moonshot/kimi-k2.6', messages: [alice, asHistory(fromAlice), ...toolResults(fromAlice)], tools })
      .withResponse();
    const sent = upstreamBody(stack.sim).messages[1].reasoning_content;
    expect(sent).toBe((fromAlice as { reasoning_content?: string }).reasoning_content);
    expect(sent).not.toContain('2222');
    expect(response.headers.get('x-moongate-adjusted')).toContain('reasoning_content=restored(1)');
  });

  it('puts back each turn its own reasoning when two turns of a conversation made the same call', async () => {
    const question: Message = { role: 'user', content: 'Check the weather in Paris, then check it again.' };
    const turn1 = (await stack.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [question], tools })).choices[0]!.message;
    const afterTurn1: Message[] = [question, asHistory(turn1), ...toolResults(turn1)];
    const turn2 = (await stack.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [...afterTurn1, { role: 'user', content: 'Again: weather in Paris?' }], tools })).choices[0]!.message;
    const reasoning1 = (turn1 as { reasoning_content?: string }).reasoning_content;
    const reasoning2 = (turn2 as { reasoning_content?: string }).reasoning_content;
    expect(turn2.tool_calls).toEqual(turn1.tool_calls);
    expect(reasoning2).not.toBe(reasoning1);

    const history: Message[] = [...afterTurn1, { role: 'user', content: 'Again: weather in Paris?' }, asHistory(turn2), ...toolResults(turn2)];
    await stack.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: history, tools });
    const sent = upstreamBody(stack.sim).messages;
    expect([sent[1].reasoning_content, sent[4].reasoning_content]).toEqual([reasoning1, reasoning2]);
  });
});
