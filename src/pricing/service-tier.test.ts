import { describe, expect, it } from 'vitest';
import { priceForTier, serviceTierOf } from './service-tier.js';

const o3 = { input: 2, cached_input: 0.5, output: 8 };

describe('priceForTier', () => {
  it("halves OpenAI's prices on the flex tier, cached input included", () => {
    expect(priceForTier(o3, 'openai', 'flex')).toEqual({ input: 1, cached_input: 0.25, output: 4 });
    expect(priceForTier({ input: 2, cached_input: null, output: 8 }, 'openai', 'flex').cached_input).toBeNull();
  });

  it('leaves other tiers and other hosts as they are', () => {
    for (const tier of [undefined, 'default', 'auto', 'priority', 'scale']) expect(priceForTier(o3, 'openai', tier)).toBe(o3);
    expect(priceForTier(o3, 'groq', 'flex')).toBe(o3);
  });
});

describe('serviceTierOf', () => {
  it('reads the tier an answer says served it', () => {
    expect(serviceTierOf({ service_tier: 'flex' })).toBe('flex');
    expect(serviceTierOf({ service_tier: null })).toBeUndefined();
    expect(serviceTierOf(undefined)).toBeUndefined();
  });
});
