import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postRaw, startStack, upstreamBody, upstreamText } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

type Params = OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;
const hi = [{ role: 'user' as const, content: 'hi' }];
const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
  { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string' } } } } },
];

/**
 * Sends the same request to the simulator directly (expecting Moonshot's rejection) and through
 * the gateway (expecting success), and returns what the gateway sent upstream and its header.
 */
async function fixedByGateway(params: Params, directError: string | RegExp) {
  const directModel = params.model.replace(/^moonshot\//, '');
  await expect(stack.direct.chat.completions.create({ ...params, model: directModel })).rejects.toMatchObject({
    status: 400,
    message: expect.stringMatching(directError),
  });
  const { data, response } = await stack.client.chat.completions.create(params).withResponse();
  expect(data.choices[0]).toBeTruthy();
  return { sent: upstreamBody(stack.sim), adjusted: response.headers.get('x-moongate-adjusted') ?? '' };
}

describe('Moonshot adjustments, each named in x-moongate-adjusted', () => {
  it('maps the developer role to system', async () => {
    const { sent, adjusted } = await fixedByGateway(
      { model: 'moonshot/kimi-k2.6', messages: [{ role: 'developer', content: 'Be brief.' }, ...hi] },
      /developer|role/i,
    );
    expect(sent.messages[0]).toEqual({ role: 'system', content: 'Be brief.' });
    expect(adjusted).toContain('developer_role=system');
  });

  it('sends max_tokens as max_completion_tokens to Kimi models, and the reverse to moonshot-v1', async () => {
    const { data, response } = await stack.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: hi, max_tokens: 500 }).withResponse();
    expect(data.choices[0]).toBeTruthy();
    expect(upstreamBody(stack.sim)).toMatchObject({ max_completion_tokens: 500 });
    expect(upstreamBody(stack.sim).max_tokens).toBeUndefined();
    expect(response.headers.get('x-moongate-adjusted')).toContain('max_tokens=max_completion_tokens');

    await stack.client.chat.completions.create({ model: 'moonshot/moonshot-v1-8k', messages: hi, max_completion_tokens: 100 });
    expect(upstreamBody(stack.sim)).toMatchObject({ max_tokens: 100 });
    expect(upstreamBody(stack.sim).max_completion_tokens).toBeUndefined();
  });

  it('caps temperature above 1', async () => {
    const { sent, adjusted } = await fixedByGateway({ model: 'moonshot/moonshot-v1-8k', messages: hi, temperature: 1.5 }, /temperature/);
    expect(sent.temperature).toBe(1);
    expect(adjusted).toContain('temperature=1.5->1');
  });

  it('raises temperature to 0.3 when n > 1', async () => {
    const { sent, adjusted } = await fixedByGateway({ model: 'moonshot/moonshot-v1-8k', messages: hi, n: 2, temperature: 0.1 }, /temperature|n/);
    expect(sent.temperature).toBe(0.3);
    expect(sent.n).toBe(2);
    expect(adjusted).toContain('temperature=0.1->0.3(n>1)');
  });

  it('drops sampling fields a fixed-sampling family rejects', async () => {
    const { sent, adjusted } = await fixedByGateway(
      { model: 'moonshot/kimi-k2.6', messages: hi, temperature: 0.3, top_p: 0.5 },
      'invalid temperature: only 1 is allowed for this model',
    );
    expect(sent.temperature).toBeUndefined();
    expect(sent.top_p).toBeUndefined();
    expect(adjusted).toContain('temperature=dropped(fixed by model)');
    expect(adjusted).toContain('top_p=dropped(fixed by model)');
  });

  it('drops a kimi-k3 temperature other than 1', async () => {
    const { sent } = await fixedByGateway(
      { model: 'moonshot/kimi-k3', messages: hi, temperature: 0.7 },
      'invalid temperature: only 1 is allowed for this model',
    );
    expect(sent.temperature).toBeUndefined();
  });

  it('works around tool_choice "required" on a thinking model', async () => {
    const { sent, adjusted } = await fixedByGateway(
      { model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'weather?' }], tools, tool_choice: 'required' },
      "tool_choice 'required' is incompatible with thinking enabled",
    );
    expect(sent.tool_choice).toBeUndefined();
    expect(sent.tools).toHaveLength(2);
    expect(sent.messages.at(-1)).toEqual({ role: 'user', content: 'Please select a tool to handle the current issue.' });
    expect(adjusted).toContain('tool_choice=required->instruction');
  });

  it('works around a named tool by narrowing tools to it', async () => {
    const { sent } = await fixedByGateway(
      {
        model: 'moonshot/kimi-k2.6',
        messages: [{ role: 'user', content: 'what time is it?' }],
        tools,
        tool_choice: { type: 'function', function: { name: 'get_time' } },
      },
      "tool_choice 'specified' is incompatible with thinking enabled",
    );
    expect(sent.tool_choice).toBeUndefined();
    expect(sent.tools.map((t: any) => t.function.name)).toEqual(['get_time']);
  });

  it('refuses a named tool that is not in tools, as Moonshot would, without sending it', async () => {
    const before = stack.sim.requests.length;
    const err: any = await stack.client.chat.completions
      .create({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi' }], tools, tool_choice: { type: 'function', function: { name: 'nope' } } })
      .catch((e: unknown) => e);
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ type: 'invalid_request_error', param: 'tool_choice', message: '`tool_choice` names the function "nope", which is not in `tools`.' });
    expect(stack.sim.requests.length).toBe(before);
  });

  it('passes tool_choice "required" unchanged to kimi-k3, which accepts it', async () => {
    const { data, response } = await stack.client.chat.completions
      .create({ model: 'moonshot/kimi-k3', messages: [{ role: 'user', content: 'weather?' }], tools, tool_choice: 'required' })
      .withResponse();
    expect(data.choices[0]!.message.tool_calls?.length).toBeGreaterThan(0);
    expect(upstreamBody(stack.sim).tool_choice).toBe('required');
    expect(response.headers.get('x-moongate-adjusted') ?? '').not.toContain('tool_choice');
  });

  it('passes tool_choice "required" unchanged when thinking is off', async () => {
    await stack.client.chat.completions.create({
      model: 'moonshot/kimi-k2.6',
      messages: [{ role: 'user', content: 'weather?' }],
      tools,
      tool_choice: 'required',
      // @ts-expect-error Moonshot's thinking switch is not in OpenAI's types
      thinking: { type: 'disabled' },
    });
    expect(upstreamBody(stack.sim).tool_choice).toBe('required');
  });

  it('flattens text-only content arrays for text models', async () => {
    const { sent, adjusted } = await fixedByGateway(
      {
        model: 'moonshot/kimi-k2-thinking',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }, { type: 'text', text: 'there' }] }],
      },
      /./,
    );
    expect(sent.messages[0].content).toBe('Hello\nthere');
    expect(adjusted).toContain('content=flattened(1)');
  });

  it('forwards fields it does not need to change', async () => {
    await stack.client.chat.completions.create({
      model: 'moonshot/kimi-k2.6',
      messages: hi,
      prompt_cache_key: 'conv-42',
      safety_identifier: 'user-7',
      // @ts-expect-error fields the gateway does not know travel as sent
      some_future_field: { nested: [1, 2] },
      response_format: { type: 'json_object' },
    });
    expect(upstreamBody(stack.sim)).toMatchObject({
      prompt_cache_key: 'conv-42',
      safety_identifier: 'user-7',
      some_future_field: { nested: [1, 2] },
      response_format: { type: 'json_object' },
    });
  });

  it('strips gateway-only fields before forwarding', async () => {
    await stack.client.chat.completions.create({
      model: 'moonshot/kimi-k2.6',
      messages: hi,
      // @ts-expect-error gateway extensions
      customer_identifier: 'acme',
      metadata: { team: 'search' },
    });
    const sent = upstreamBody(stack.sim);
    expect(sent.customer_identifier).toBeUndefined();
    expect(sent.metadata).toBeUndefined();
  });
});

describe('what the gateway does not change reaches Moonshot byte for byte', () => {
  it('keeps number spellings, integers past 2^53 and unknown fields, and strips gateway fields', async () => {
    const text =
      '{"model": "moonshot/kimi-k2.6", "metadata": {"team": "search"}, "messages": [{"role": "user", "content": "hi \\u00e9\\n"}], ' +
      '"max_tokens": 64, "seed": 12345678901234567890, "x_vendor": {"ratio": 1.0, "big": 9007199254740993}}';
    const res = await postRaw(`${stack.url}/v1/chat/completions`, text, { authorization: 'Bearer test-caller' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-moongate-adjusted')).toContain('max_tokens=max_completion_tokens');
    expect(upstreamText(stack.sim)).toBe(
      '{"model":"kimi-k2.6","messages": [{"role": "user", "content": "hi \\u00e9\\n"}],' +
        '"seed": 12345678901234567890, "x_vendor": {"ratio": 1.0, "big": 9007199254740993},"max_completion_tokens":64}',
    );
  });

  it('serializes again what it changed inside the conversation, and still sends the rest unchanged', async () => {
    const text = '{"model":"moonshot/kimi-k2.6","messages":[{"role":"developer","content":"Be brief."},{"role":"user","content":"hi", "n": 1.0}]}';
    const res = await postRaw(`${stack.url}/v1/chat/completions`, text, { authorization: 'Bearer test-caller' });
    expect(res.status).toBe(200);
    expect(upstreamText(stack.sim)).toBe('{"model":"kimi-k2.6","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"hi", "n": 1.0}]}');
  });
});
