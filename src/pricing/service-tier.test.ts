import { describe, expect, it } from 'vitest';
import { priceForTier, serviceTierOf } from './service-tier.js';

const o3 = { input: 2, cached_input: 0.5, output: 8 };

describe('priceForTier', () => {
  const openai = { catalogueProvider: 'openai' };
  const o3Priority = { input: 3.5, cached_input: 0.875, output: 14 };

  it("halves OpenAI's prices on the flex tier, cached input included", () => {
    expect(priceForTier(o3, openai, 'flex')).toEqual({ input: 1, cached_input: 0.25, output: 4 });
    expect(priceForTier({ input: 2, cached_input: null, output: 8 }, openai, 'flex').cached_input).toBeNull();
  });

  it("prices the priority tier at the catalogue's priority price, else as standard (a lower bound)", () => {
    expect(priceForTier(o3, { ...openai, priorityPrice: o3Priority }, 'priority')).toBe(o3Priority);
    expect(priceForTier(o3, openai, 'priority')).toBe(o3);
    // Only an answer served on priority is charged it, not one that asked for it and got default.
    expect(priceForTier(o3, { ...openai, priorityPrice: o3Priority }, 'default')).toBe(o3);
  });

  it('leaves other tiers and other hosts as they are', () => {
    for (const tier of [undefined, 'default', 'auto', 'scale']) expect(priceForTier(o3, openai, tier)).toBe(o3);
    expect(priceForTier(o3, { catalogueProvider: 'groq' }, 'flex')).toBe(o3);
  });
});

describe('serviceTierOf', () => {
  it('reads the tier an answer says served it', () => {
    expect(serviceTierOf({ service_tier: 'flex' })).toBe('flex');
    expect(serviceTierOf({ service_tier: null })).toBeUndefined();
    expect(serviceTierOf(undefined)).toBeUndefined();
  });
});
