import { describe, expect, it } from 'vitest';
import { Adjustments } from '../adjustments.js';
import { InMemoryReasoningMemory, reasoningKey } from './reasoning-memory.js';
import { REASONING_PLACEHOLDER, restoreReasoningContent, toolCallRefs } from './restore-reasoning-content.js';

const call = { id: 'get_weather:0', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } };

describe('reasoningKey', () => {
  it('matches re-serialized arguments', () => {
    const a = reasoningKey('s', [{ id: 'x:0', name: 'x', arguments: '{"a": 1}' }]);
    const b = reasoningKey('s', [{ id: 'x:0', name: 'x', arguments: '{"a":1}' }]);
    expect(a).toBe(b);
  });
  it('differs by caller, id, name and arguments', () => {
    const base = { id: 'x:0', name: 'x', arguments: '{}' };
    const key = reasoningKey('s', [base]);
    expect(reasoningKey('t', [base])).not.toBe(key);
    expect(reasoningKey('s', [{ ...base, id: 'x:1' }])).not.toBe(key);
    expect(reasoningKey('s', [{ ...base, name: 'y' }])).not.toBe(key);
    expect(reasoningKey('s', [{ ...base, arguments: '{"a":2}' }])).not.toBe(key);
  });
});

describe('InMemoryReasoningMemory', () => {
  it('recalls what it remembered, per scope', async () => {
    const memory = new InMemoryReasoningMemory();
    const refs = toolCallRefs([call]);
    await memory.remember('alice', refs, 'I should check the weather.');
    expect(await memory.recall('alice', refs)).toBe('I should check the weather.');
    expect(await memory.recall('bob', refs)).toBeUndefined();
  });

  it('forgets after the TTL', async () => {
    let now = 1000;
    const memory = new InMemoryReasoningMemory({ ttlMs: 100, now: () => now });
    const refs = toolCallRefs([call]);
    await memory.remember('s', refs, 'r');
    now += 101;
    expect(await memory.recall('s', refs)).toBeUndefined();
    expect(memory.size).toBe(0);
  });

  it('evicts the least recently used entry past its bounds', async () => {
    const memory = new InMemoryReasoningMemory({ maxEntries: 2 });
    const ref = (id: string) => [{ id, name: 'f', arguments: '{}' }];
    await memory.remember('s', ref('a'), 'A');
    await memory.remember('s', ref('b'), 'B');
    await memory.recall('s', ref('a'));
    await memory.remember('s', ref('c'), 'C');
    expect(await memory.recall('s', ref('a'))).toBe('A');
    expect(await memory.recall('s', ref('b'))).toBeUndefined();
    expect(await memory.recall('s', ref('c'))).toBe('C');
  });

  it('bounds total size', async () => {
    const memory = new InMemoryReasoningMemory({ maxChars: 10 });
    await memory.remember('s', [{ id: 'a', name: 'f', arguments: '' }], '123456');
    await memory.remember('s', [{ id: 'b', name: 'f', arguments: '' }], '123456');
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
    await memory.remember('s', toolCallRefs([call]), 'Need the weather tool.');
    const adj = new Adjustments();
    const out = await restoreReasoningContent(history({}), memory, 's', true, adj);
    expect(out[1]!.reasoning_content).toBe('Need the weather tool.');
    expect(adj.list()).toEqual(['reasoning_content=restored(1)']);
  });

  it('uses the placeholder when unknown and thinking is on', async () => {
    const adj = new Adjustments();
    const out = await restoreReasoningContent(history({}), new InMemoryReasoningMemory(), 's', true, adj);
    expect(out[1]!.reasoning_content).toBe(REASONING_PLACEHOLDER);
    expect(adj.list()).toEqual(['reasoning_content=placeholder(1)']);
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
