import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GLOBAL_KEY, postRaw, startStack, upstreamBody, upstreamText } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

/**
 * The OpenAI provider and a generic OpenAI-compatible provider, both pointed at the simulator
 * (which speaks OpenAI's protocol): requests go through unchanged, answers come back as sent.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    configYaml: `
router: { retries: 0, cooldown: { fails: 1000 } }
providers:
  moonshot:
    regions: { global: \${SIM}/v1, cn: \${SIM}/cn/v1 }
    credentials: [{ name: main, api_key: ${GLOBAL_KEY} }]
  openai:
    base_url: \${SIM}/v1
    credentials: [{ name: org, api_key: ${GLOBAL_KEY} }]
  local:
    base_url: \${SIM}/v1
    credentials: [{ name: box, api_key: ${GLOBAL_KEY} }]
models:
  - name: fast
    targets: [{ model: local/kimi-k2.6 }]
`,
  });
});
afterAll(() => stack.close());

describe('OpenAI and OpenAI-compatible providers', () => {
  it('passes a generic provider request through unchanged', async () => {
    const messages = [{ role: 'developer' as const, content: 'Be brief.' }, { role: 'user' as const, content: 'hi' }];
    const { response } = await stack.client.chat.completions
      .create({ model: 'local/kimi-k2.6', messages, max_tokens: 50 })
      .withResponse()
      .catch((e: { status: number; headers: Headers }) => ({ response: e }));
    // The simulator, like Moonshot, rejects `developer`: a pass-through provider does not fix it.
    expect((response as { status: number }).status).toBe(400);
    const sent = upstreamBody(stack.sim);
    expect(sent.messages).toEqual(messages);
    expect(sent.max_tokens).toBe(50);
    expect(response.headers.get('x-moongate-provider')).toBe('local');
    expect(response.headers.get('x-moongate-adjusted')).toBeNull();
  });

  it('sends the client bytes with only the model changed', async () => {
    const text = '{ "model" : "local/kimi-k2.6", "messages": [{"role": "user", "content": "hi"}], "seed": 12345678901234567890, "temperature": 1.0 }';
    const res = await postRaw(`${stack.url}/v1/chat/completions`, text, { authorization: 'Bearer test-caller' });
    expect(res.status).toBe(200);
    expect(upstreamText(stack.sim)).toBe('{"model":"kimi-k2.6","messages": [{"role": "user", "content": "hi"}], "seed": 12345678901234567890, "temperature": 1.0}');
  });

  it('serves an alias over a generic provider', async () => {
    const { data, response } = await stack.client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(data.choices[0]!.message.content).toBeTruthy();
    expect(response.headers.get('x-moongate-credential')).toBe('box');
    expect(upstreamBody(stack.sim).model).toBe('kimi-k2.6');
  });

  it('asks OpenAI for stream usage but sends it on only when the client asked', async () => {
    const stream = await stack.client.chat.completions.create({ model: 'openai/kimi-k2.6', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let usage = 0;
    for await (const chunk of stream) if (chunk.usage) usage++;
    expect(usage).toBe(0);
    expect(upstreamBody(stack.sim).stream_options).toEqual({ include_usage: true });

    const withUsage = await stack.client.chat.completions.create({
      model: 'openai/kimi-k2.6',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    usage = 0;
    for await (const chunk of withUsage) if (chunk.usage) usage++;
    expect(usage).toBe(1);
  });
});

describe('GET /v1/models', () => {
  it('lists aliases, then each provider’s live models enriched with catalogue facts', async () => {
    const list = await stack.client.models.list();
    const ids = list.data.map((m) => m.id);
    expect(ids[0]).toBe('fast');
    // The generic provider has no catalogue: its models can only come from its live list.
    expect(ids).toContain('local/kimi-k2.6');
    const k26 = list.data.find((m) => m.id === 'moonshot/kimi-k2.6') as any;
    expect(k26).toMatchObject({ owned_by: 'moonshot', context_window: 262144, context_length: 262144, supports_reasoning: true });
  });
});
