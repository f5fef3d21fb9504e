import { describe, expect, it } from 'vitest';
import { Adjustments } from '../adjustments.js';
import { canonicalArguments, digestOf } from './conversation-digest.js';
import { InMemoryReasoningMemory, reasoningKey } from './reasoning-memory.js';
import { REASONING_PLACEHOLDER, restoreReasoningContent, toolCallRefs } from './restore-reasoning-content.js';

const call = { id: 'get_weather:0', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } };

describe('reasoningKey', () => {
  it('matches re-serialized arguments', () => {
    const a = reasoningKey('s', 'c', [{ id: 'x:0', name: 'x', arguments: '{"a": 1}' }]);
    const b = reasoningKey('s', 'c', [{ id: 'x:0', name: 'x', arguments: '{"a":1}' }]);
    expect(a).toBe(b);
  });
  it('matches arguments written back with their keys in another order, at any depth', () => {
    const a = reasoningKey('s', 'c', [{ id: 'x:0', name: 'x', arguments: '{"to": "Oslo", "from": "Rome", "pax": {"n": 2, "adults": [{"b": 1, "a": 2}]}}' }]);
    const b = reasoningKey('s', 'c', [{ id: 'x:0', name: 'x', arguments: '{"from":"Rome","pax":{"adults":[{"a":2,"b":1}],"n":2},"to":"Oslo"}' }]);
    expect(a).toBe(b);
    expect(reasoningKey('s', 'c', [{ id: 'x:0', name: 'x', arguments: '{"from":"Oslo","to":"Rome"}' }])).not.toBe(reasoningKey('s', 'c', [{ id: 'x:0', name: 'x', arguments: '{"to":"Oslo","from":"Rome"}' }]));
  });
  it('keeps a __proto__ key as a field when sorting', () => {
    expect(canonicalArguments('{"z": 1, "__proto__": {"b": 1, "a": 2}}')).toBe('{"__proto__":{"a":2,"b":1},"z":1}');
    expect(canonicalArguments('not json')).toBe('not json');
  });
  it('differs by caller, conversation, id, name and arguments', () => {
    const base = { id: 'x:0', name: 'x', arguments: '{}' };
    const key = reasoningKey('s', 'c', [base]);
    expect(reasoningKey('t', 'c', [base])).not.toBe(key);
    expect(reasoningKey('s', 'd', [base])).not.toBe(key);
    expect(reasoningKey('s', 'c', [{ ...base, id: 'x:1' }])).not.toBe(key);
    expect(reasoningKey('s', 'c', [{ ...base, name: 'y' }])).not.toBe(key);
    expect(reasoningKey('s', 'c', [{ ...base, arguments: '{"a":2}' }])).not.toBe(key);
  });
  it('takes parallel calls in any order, but not fewer or more of them', () => {
    const a = { id: 'a_0', name: 'a', arguments: '{}' };
    const b = { id: 'b_1', name: 'b', arguments: '{"x": 1}' };
    expect(reasoningKey('s', 'c', [b, a])).toBe(reasoningKey('s', 'c', [a, b]));
    expect(reasoningKey('s', 'c', [a])).not.toBe(reasoningKey('s', 'c', [a, b]));
    expect(reasoningKey('s', 'c', [a, b, b])).not.toBe(reasoningKey('s', 'c', [a, b]));
  });
});

describe('digestOf (the conversation before a turn)', () => {
  const user = { role: 'user', content: 'weather in Paris?' };
  const asked = { role: 'assistant', content: '', tool_calls: [call] };
  it('is the same for the history a client sends back: reasoning_content, SDK extras, null vs "" and re-serialized arguments aside', () => {
    const sent = digestOf([user, asked, { role: 'tool', tool_call_id: call.id, content: '18C' }]);
    const back = digestOf([
      user,
      { ...asked, content: null, reasoning_content: 'thinking', refusal: null, annotations: [], tool_calls: [{ ...call, function: { ...call.function, arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: call.id, content: '18C' },
    ]);
    expect(back).toBe(sent);
  });
  it('differs when any message, or their order, differs', () => {
    const base = digestOf([user, asked]);
    expect(digestOf([{ ...user, content: 'weather in Rome?' }, asked])).not.toBe(base);
    expect(digestOf([asked, user])).not.toBe(base);
    expect(digestOf([user])).not.toBe(base);
    expect(digestOf([{ ...user, role: 'system' }, asked])).not.toBe(base);
  });
});

describe('InMemoryReasoningMemory', () => {
  it('recalls what it remembered, per scope', async () => {
    const memory = new InMemoryReasoningMemory();
    const refs = toolCallRefs([call]);
    await memory.remember('alice', 'c', refs, 'I should check the weather.');
    expect(await memory.recall('alice', 'c', refs)).toBe('I should check the weather.');
    expect(await memory.recall('bob', 'c', refs)).toBeUndefined();
    expect(await memory.recall('alice', 'another conversation', refs)).toBeUndefined();
  });

  it('forgets after the TTL', async () => {
    let now = 1000;
    const memory = new InMemoryReasoningMemory({ ttlMs: 100, now: () => now });
    const refs = toolCallRefs([call]);
    await memory.remember('s', 'c', refs, 'r');
    now += 101;
    expect(await memory.recall('s', 'c', refs)).toBeUndefined();
    expect(memory.size).toBe(0);
  });

  it('evicts the least recently used entry past its bounds', async () => {
    const memory = new InMemoryReasoningMemory({ maxEntries: 2 });
    const ref = (id: string) => [{ id, name: 'f', arguments: '{}' }];
    await memory.remember('s', 'c', ref('a'), 'A');
    await memory.remember('s', 'c', ref('b'), 'B');
    await memory.recall('s', 'c', ref('a'));
    await memory.remember('s', 'c', ref('c'), 'C');
    expect(await memory.recall('s', 'c', ref('a'))).toBe('A');
    expect(await memory.recall('s', 'c', ref('b'))).toBeUndefined();
    expect(await memory.recall('s', 'c', ref('c'))).toBe('C');
  });

  it('bounds total size', async () => {
    const memory = new InMemoryReasoningMemory({ maxChars: 10 });
    await memory.remember('s', 'c', [{ id: 'a', name: 'f', arguments: '' }], '123456');
    await memory.remember('s', 'c', [{ id: 'b', name: 'f', arguments: '' }], '123456');
    expect(memory.size).toBe(1);
  });
});

describe('restoreReasoningContent', () => {
  const history = (assistant: Record<string, unknown>) => [
    { role: 'user', content: 'weather in Paris?' },
    { role: 'assistant', content: '', tool_calls: [call], ...assistant },
    { role: 'tool', tool_call_id: call.id, content: '18C' },
  ];

  it('puts back remembered reasoning', async () => {
    const memory = new InMemoryReasoningMemory();
    await memory.remember('s', digestOf(history({}).slice(0, 1)), toolCallRefs([call]), 'Need the weather tool.');
    const adj = new Adjustments();
    const out = await restoreReasoningContent(history({}), memory, 's', true, adj);
    expect(out[1]!.reasoning_content).toBe('Need the weather tool.');
    expect(adj.list()).toEqual(['reasoning_content=restored(1)']);
  });

  it("never puts back another conversation's reasoning for the same call (two users behind one key)", async () => {
    const memory = new InMemoryReasoningMemory();
    const bob = [{ role: 'user', content: 'Bob here, PIN 2222. weather in Paris?' }];
    await memory.remember('s', digestOf(bob), toolCallRefs([call]), 'Bob asks, PIN 2222: weather tool.');
    const out = await restoreReasoningContent(history({}), memory, 's', true, new Adjustments());
    expect(out[1]!.reasoning_content).toBe(REASONING_PLACEHOLDER);
  });

  it('puts back each turn its own reasoning when two turns made the same call', async () => {
    const memory = new InMemoryReasoningMemory();
    const turns = [
      { role: 'user', content: 'weather in Paris, twice?' },
      { role: 'assistant', content: '', tool_calls: [call] },
      { role: 'tool', tool_call_id: call.id, content: '18C' },
      { role: 'assistant', content: '', tool_calls: [call] },
      { role: 'tool', tool_call_id: call.id, content: '19C' },
    ];
    await memory.remember('s', digestOf(turns.slice(0, 1)), toolCallRefs([call]), 'first look');
    await memory.remember('s', digestOf(turns.slice(0, 3)), toolCallRefs([call]), 'second look');
    const out = await restoreReasoningContent(turns, memory, 's', true, new Adjustments());
    expect([out[1]!.reasoning_content, out[3]!.reasoning_content]).toEqual(['first look', 'second look']);
  });

  it("keys on the client's own history when earlier conversions rewrote the messages", async () => {
    const memory = new InMemoryReasoningMemory();
    const client = [{ role: 'developer', content: [{ type: 'text', text: 'be brief' }] }, { role: 'assistant', content: '', tool_calls: [call] }];
    await memory.remember('s', digestOf(client.slice(0, 1)), toolCallRefs([call]), 'brief look');
    const rewritten = [{ role: 'system', content: 'be brief' }, client[1]!];
    const out = await restoreReasoningContent(rewritten, memory, 's', true, new Adjustments(), client);
    expect(out[1]!.reasoning_content).toBe('brief look');
  });

  it('uses the placeholder when unknown and thinking is on', async () => {
    const adj = new Adjustments();
    const out = await restoreReasoningContent(history({}), new InMemoryReasoningMemory(), 's', true, adj);
    expect(out[1]!.reasoning_content).toBe(REASONING_PLACEHOLDER);
    expect(adj.list()).toEqual(['reasoning_content=placeholder(1)']);
  });

  it('uses the placeholder for a model whose thinking is unknown (no catalogue entry, no `thinking` field)', async () => {
    const out = await restoreReasoningContent(history({}), new InMemoryReasoningMemory(), 's', undefined, new Adjustments());
    expect(out[1]!.reasoning_content).toBe(REASONING_PLACEHOLDER);
  });

  it("completes a reasoning cut to its last fragment (the OpenAI SDK's stream helper keeps only that)", async () => {
    const memory = new InMemoryReasoningMemory();
    const turns = history({ reasoning_content: ' get_weather.' });
    await memory.remember('s', digestOf(turns.slice(0, 1)), toolCallRefs([call]), 'I must call get_weather.');
    const adj = new Adjustments();
    const out = await restoreReasoningContent(turns, memory, 's', true, adj);
    expect(out[1]!.reasoning_content).toBe('I must call get_weather.');
    expect(adj.list()).toEqual(['reasoning_content=completed(1)']);
  });

  it('keeps a sent reasoning that is not the end of the remembered one, or is all of it', async () => {
    const memory = new InMemoryReasoningMemory();
    await memory.remember('s', digestOf(history({}).slice(0, 1)), toolCallRefs([call]), 'I must call get_weather.');
    for (const sent of ['my own words', 'I must call get_weather.', 'I must call']) {
      const turns = history({ reasoning_content: sent });
      const adj = new Adjustments();
      expect(await restoreReasoningContent(turns, memory, 's', true, adj)).toBe(turns);
      expect(adj.list()).toEqual([]);
    }
  });

  it('treats "" as missing', async () => {
    const out = await restoreReasoningContent(history({ reasoning_content: '' }), new InMemoryReasoningMemory(), 's', true, new Adjustments());
    expect(out[1]!.reasoning_content).toBe(REASONING_PLACEHOLDER);
  });

  it('keeps reasoning the client sent, and changes nothing with thinking off and nothing remembered', async () => {
    const kept = history({ reasoning_content: 'mine' });
    expect(await restoreReasoningContent(kept, new InMemoryReasoningMemory(), 's', true, new Adjustments())).toBe(kept);
    const off = history({});
    expect(await restoreReasoningContent(off, new InMemoryReasoningMemory(), 's', false, new Adjustments())).toBe(off);
  });
});
