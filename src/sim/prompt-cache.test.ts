import { describe, expect, it } from 'vitest';
import { estimatePromptTokens } from './estimate-tokens.js';
import { PromptCache } from './prompt-cache.js';

const system = { role: 'system', content: 'You are a helpful assistant. '.repeat(20) };
const user = { role: 'user', content: 'hello' };

describe('PromptCache', () => {
  it('reports nothing the first time, everything on an exact repeat', () => {
    const cache = new PromptCache();
    expect(cache.lookupAndStore('kimi-k3', [system, user], undefined)).toBe(0);
    expect(cache.lookupAndStore('kimi-k3', [system, user], undefined)).toBe(estimatePromptTokens([system, user]));
  });

  it('reports the shared prefix of a continued conversation', () => {
    const cache = new PromptCache();
    cache.lookupAndStore('kimi-k3', [system, user], undefined);
    const next = [system, user, { role: 'assistant', content: 'hi' }, { role: 'user', content: 'more' }];
    expect(cache.lookupAndStore('kimi-k3', next, undefined)).toBe(estimatePromptTokens([system, user]));
  });

  it('separates models and tool sets, and forgets on clear', () => {
    const cache = new PromptCache();
    cache.lookupAndStore('kimi-k3', [system, user], undefined);
    expect(cache.lookupAndStore('kimi-k2.6', [system, user], undefined)).toBe(0);
    expect(cache.lookupAndStore('kimi-k3', [system, user], [{ type: 'function', function: { name: 'abc' } }])).toBe(0);
    cache.clear();
    expect(cache.lookupAndStore('kimi-k3', [system, user], undefined)).toBe(0);
  });
});
