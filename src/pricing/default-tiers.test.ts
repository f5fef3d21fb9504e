import { describe, expect, it } from 'vitest';
import { DefaultTiers } from './default-tiers.js';

describe('DefaultTiers', () => {
  it('remembers a deployment whose answers to requests naming no tier come back priority, until one does not', () => {
    const tiers = new DefaultTiers();
    expect(tiers.servesPriority('openai', 'gpt-5')).toBe(false);
    tiers.observe('openai', 'gpt-5', undefined, 'priority');
    expect(tiers.servesPriority('openai', 'gpt-5')).toBe(true);
    expect(tiers.servesPriority('openai', 'gpt-4.1')).toBe(false);
    tiers.observe('openai', 'gpt-5', 'auto', 'default');
    expect(tiers.servesPriority('openai', 'gpt-5')).toBe(false);
    tiers.observe('openai', 'gpt-5', 'auto', 'priority');
    expect(tiers.servesPriority('openai', 'gpt-5')).toBe(true);
  });

  it('learns nothing from a request that named its tier, or an answer that names none (Moonshot)', () => {
    const tiers = new DefaultTiers();
    tiers.observe('openai', 'gpt-5', 'priority', 'priority');
    tiers.observe('moonshot', 'kimi-k2.6', undefined, undefined);
    expect(tiers.servesPriority('openai', 'gpt-5')).toBe(false);
    tiers.observe('openai', 'gpt-5', undefined, 'priority');
    tiers.observe('openai', 'gpt-5', 'default', 'default');
    expect(tiers.servesPriority('openai', 'gpt-5')).toBe(true);
  });
});
