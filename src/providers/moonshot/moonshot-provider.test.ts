import { describe, expect, it } from 'vitest';
import type { ProviderConfig } from '../../config/types.js';
import type { ChatRequestBody } from '../../server/validate-chat-request.js';
import type { CallContext } from '../types.js';
import { MoonshotProvider } from './moonshot-provider.js';
import { InMemoryReasoningMemory } from './reasoning-memory.js';

const config: ProviderConfig = {
  name: 'moonshot',
  type: 'moonshot',
  regions: { global: 'http://127.0.0.1:9/v1', cn: 'http://127.0.0.1:9/cn/v1' },
  credentials: [],
  credential_override: {},
  stream_usage: true,
};
const credential = { name: 'main', apiKey: 'sk-test', baseUrl: 'http://127.0.0.1:9/v1' };
const ctx: CallContext = { requestId: 'r1', callerScope: 's', clientWantsUsage: false, captureResponse: false };

const call = { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } };
/** Client bodies that take each of the Moonshot conversions, and some that take none. */
const bodies: Record<string, unknown> = {
  untouched: { model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi' }] },
  'max_tokens renamed': { model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi' }], max_tokens: 100 },
  'fixed sampling dropped': { model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi' }], temperature: 0.2, top_p: 0.5 },
  'temperature capped': { model: 'moonshot/moonshot-v1-8k', messages: [{ role: 'user', content: 'hi' }], temperature: 1.7 },
  'developer role': { model: 'moonshot/kimi-k2.6', messages: [{ role: 'developer', content: 'brief' }, { role: 'user', content: 'hi' }] },
  'text parts flattened': { model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }] },
  'reasoning placeholder': {
    model: 'moonshot/kimi-k2.6',
    messages: [{ role: 'user', content: 'weather?' }, { role: 'assistant', content: '', tool_calls: [call] }, { role: 'tool', tool_call_id: 'call_1', content: '18C' }],
  },
  'forced tool choice': {
    model: 'moonshot/kimi-k2.6',
    messages: [{ role: 'user', content: 'weather?' }],
    tools: [{ type: 'function', function: { name: 'weather', parameters: {} } }, { type: 'function', function: { name: 'other', parameters: {} } }],
    tool_choice: { type: 'function', function: { name: 'weather' } },
  },
  'stream usage asked upstream': { model: 'moonshot/kimi-k2.6', stream: true, messages: [{ role: 'user', content: 'hi' }] },
  'unknown fields': { model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi', name: 'ann', extra: { a: [1, 2] } }], vendor_x: { deep: true } },
};

async function prepare(text: string, withBytes: boolean): Promise<{ body: string | Buffer; adjustments: string[] }> {
  const provider = new MoonshotProvider(config, new InMemoryReasoningMemory());
  const body = JSON.parse(text) as ChatRequestBody;
  return provider.prepareChat(body, 'kimi-k2.6', credential, { ...ctx }, withBytes ? Buffer.from(text) : undefined);
}

describe('MoonshotProvider.prepareChat with the client bytes', () => {
  for (const [name, value] of Object.entries(bodies)) {
    it(`sends the same request as serializing it would: ${name}`, async () => {
      // Odd spacing, so that a body rebuilt from the parsed value could not pass for the client's bytes.
      const text = JSON.stringify(value, null, 1);
      const fromBytes = await prepare(text, true);
      const serialized = await prepare(text, false);
      expect(Buffer.isBuffer(fromBytes.body)).toBe(true);
      expect(JSON.parse(fromBytes.body.toString())).toEqual(JSON.parse(serialized.body.toString()));
      expect(fromBytes.adjustments).toEqual(serialized.adjustments);
    });
  }

  it('keeps what it does not change byte for byte: number spellings, big integers, unknown fields', async () => {
    const text = '{"model":"moonshot/kimi-k2.6", "messages":[{"role":"user","content":"hi"}], "max_tokens":100, "seed":12345678901234567890, "x":{"ratio":1.0}}';
    const out = (await prepare(text, true)).body.toString();
    expect(out).toBe('{"model":"kimi-k2.6","messages":[{"role":"user","content":"hi"}],"seed":12345678901234567890, "x":{"ratio":1.0},"max_completion_tokens":100}');
    // Serialized instead, the integer would have been rounded to a double.
    expect((await prepare(text, false)).body).toContain('"seed":12345678901234567000');
  });
});

describe('MoonshotProvider.normalizeResponse', () => {
  const answer = (usage: object) => ({ id: 'c', object: 'chat.completion', created: 1, model: 'kimi-k3', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }], usage });

  it('marks an answer it left alone as unchanged, so the router forwards the upstream bytes', () => {
    const provider = new MoonshotProvider(config, new InMemoryReasoningMemory());
    const normalized = provider.normalizeResponse(answer({ prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 }), { ...ctx });
    expect(normalized.unchanged).toBe(true);
    expect(normalized.usage?.prompt_tokens).toBe(3);
  });

  it('marks an answer it edited as changed', () => {
    const provider = new MoonshotProvider(config, new InMemoryReasoningMemory());
    const normalized = provider.normalizeResponse(answer({ prompt_tokens: 3, completion_tokens: 1, total_tokens: 4, cached_tokens: 2 }), { ...ctx });
    expect(normalized.unchanged).toBe(false);
    expect((normalized.body as { usage: { prompt_tokens_details: unknown } }).usage.prompt_tokens_details).toEqual({ cached_tokens: 2 });
  });
});

describe('MoonshotProvider with several choices (n > 1) making the same calls', () => {
  const question = { role: 'user', content: 'weather in Paris?' };
  const weather = { id: 'get_weather_0', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } };
  const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
  const body = (): ChatRequestBody => ({ model: 'moonshot/kimi-k3', n: 2, messages: [question], tools });
  /** The next turn as a client sends it, without the reasoning: what the gateway puts back in it. */
  async function restoredNextTurn(provider: MoonshotProvider): Promise<unknown> {
    const next: ChatRequestBody = { model: 'moonshot/kimi-k3', messages: [question, { role: 'assistant', content: null, tool_calls: [weather] }, { role: 'tool', tool_call_id: 'get_weather_0', content: '18C' }] };
    const prepared = await provider.prepareChat(next, 'kimi-k3', credential, { ...ctx });
    return (JSON.parse(prepared.body.toString()) as { messages: { reasoning_content?: string }[] }).messages[1]!.reasoning_content;
  }

  it('puts back the first choice’s reasoning (the one clients read), not the last one’s (non-stream)', async () => {
    const provider = new MoonshotProvider(config, new InMemoryReasoningMemory());
    const call = { ...ctx };
    await provider.prepareChat(body(), 'kimi-k3', credential, call);
    const choice = (index: number, reasoning: string) => ({ index, message: { role: 'assistant', content: '', reasoning_content: reasoning, tool_calls: [weather] }, finish_reason: 'tool_calls' });
    provider.normalizeResponse({ id: 'c', object: 'chat.completion', created: 1, model: 'kimi-k3', choices: [choice(0, 'First sample.'), choice(1, 'Second sample.')] }, call);
    expect(await restoredNextTurn(provider)).toBe('First sample.');
  });

  it.each([[[0, 1]], [[1, 0]]])('puts back the first choice’s reasoning whichever choice finishes first (stream, finishing %j)', async (order) => {
    const provider = new MoonshotProvider(config, new InMemoryReasoningMemory());
    const call = { ...ctx };
    await provider.prepareChat({ ...body(), stream: true }, 'kimi-k3', credential, call);
    const t = provider.createStreamTransformer(call);
    const chunk = (index: number, delta: object, finish: string | null = null) =>
      JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'kimi-k3', choices: [{ index, delta, finish_reason: finish }] });
    for (const index of [0, 1]) t.onData(chunk(index, { role: 'assistant', reasoning_content: index === 0 ? 'First sample.' : 'Second sample.' }));
    for (const index of order) {
      t.onData(chunk(index, { tool_calls: [{ index: 0, ...weather }] }));
      t.onData(chunk(index, {}, 'tool_calls'));
    }
    t.onData('[DONE]');
    expect(await restoredNextTurn(provider)).toBe('First sample.');
  });
});

describe('MoonshotProvider: what a call keeps of its conversation while its answer runs', () => {
  const tools = [{ type: 'function', function: { name: 'get_weather', parameters: {} } }];
  const long = 'The moon is a rocky body. '.repeat(400);
  const weather = { id: 'get_weather_0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } };
  const asked = { role: 'user', content: `${long} Weather in Paris?` };

  it('keeps nothing when the request offers no tools: no answer to it can call one', async () => {
    const provider = new MoonshotProvider(config, new InMemoryReasoningMemory());
    const call = { ...ctx };
    await provider.prepareChat({ model: 'moonshot/kimi-k3', stream: true, messages: [asked] }, 'kimi-k3', credential, call);
    expect(call.providerState).toBeUndefined();
  });

  it('keeps nothing when the model does not think: no turn has reasoning to remember', async () => {
    const provider = new MoonshotProvider(config, new InMemoryReasoningMemory());
    for (const [model, extra] of [['kimi-k2.6', { thinking: { type: 'disabled' } }], ['kimi-k2-turbo-preview', {}]] as const) {
      const call = { ...ctx };
      await provider.prepareChat({ model: `moonshot/${model}`, stream: true, messages: [asked], tools, ...extra }, model, credential, call);
      expect(call.providerState).toBeUndefined();
    }
  });

  it('gives a stream a turn to report only when it offered tools to a thinking model: otherwise the stream keeps no reasoning', async () => {
    const provider = new MoonshotProvider(config, new InMemoryReasoningMemory());
    const reasoningHeld = async (body: ChatRequestBody, model: string) => {
      const call = { ...ctx };
      await provider.prepareChat(body, model, credential, call);
      const t = provider.createStreamTransformer(call);
      t.onData(JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta: { role: 'assistant', reasoning_content: 'Hm.' }, finish_reason: null }] }));
      return (t as unknown as { choices: Map<number, { reasoning?: string[] }> }).choices.get(0)?.reasoning;
    };
    expect(await reasoningHeld({ model: 'moonshot/kimi-k3', stream: true, messages: [asked] }, 'kimi-k3')).toBeUndefined();
    expect(await reasoningHeld({ model: 'moonshot/kimi-k3', stream: true, messages: [asked], tools }, 'kimi-k3')).toEqual(['Hm.']);
  });

  it("boils a stream's conversation down to its digest once the first chunk is sent; the turn is still remembered under it", async () => {
    const memory = new InMemoryReasoningMemory();
    const provider = new MoonshotProvider(config, memory);
    const call = { ...ctx };
    await provider.prepareChat({ model: 'moonshot/kimi-k3', stream: true, messages: [asked], tools }, 'kimi-k3', credential, call);
    const t = provider.createStreamTransformer(call);
    const chunk = (delta: object, finish: string | null = null) => JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'kimi-k3', choices: [{ index: 0, delta, finish_reason: finish }] });
    t.onData(chunk({ role: 'assistant', reasoning_content: 'Paris needs a lookup.' }));
    expect(JSON.stringify(call.providerState)).toContain('rocky body');
    t.firstChunkSent!();
    expect(JSON.stringify(call.providerState)).not.toContain('rocky body');
    t.onData(chunk({ tool_calls: [{ index: 0, ...weather }] }));
    t.onData(chunk({}, 'tool_calls'));
    t.onData('[DONE]');
    const next: ChatRequestBody = { model: 'moonshot/kimi-k3', messages: [asked, { role: 'assistant', content: null, tool_calls: [weather] }, { role: 'tool', tool_call_id: 'get_weather_0', content: '18C' }], tools };
    const prepared = await provider.prepareChat(next, 'kimi-k3', credential, { ...ctx });
    expect((JSON.parse(prepared.body.toString()) as { messages: { reasoning_content?: string }[] }).messages[1]!.reasoning_content).toBe('Paris needs a lookup.');
  });
});
