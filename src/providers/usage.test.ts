import { describe, expect, it } from 'vitest';
import { readUsage } from './usage.js';

describe('readUsage', () => {
  it('reads OpenAI usage with details', () => {
    expect(
      readUsage({
        prompt_tokens: 101,
        completion_tokens: 32,
        total_tokens: 133,
        prompt_tokens_details: { cached_tokens: 101 },
        completion_tokens_details: { reasoning_tokens: 16 },
      }),
    ).toEqual({ prompt_tokens: 101, completion_tokens: 32, total_tokens: 133, cached_tokens: 101, reasoning_tokens: 16 });
  });

  it("reads Moonshot's top-level cached_tokens", () => {
    expect(readUsage({ prompt_tokens: 100, completion_tokens: 10, total_tokens: 110, cached_tokens: 80 })?.cached_tokens).toBe(80);
  });

  it('clamps reasoning tokens reported above completion tokens', () => {
    const usage = readUsage({
      prompt_tokens: 951,
      completion_tokens: 6000,
      total_tokens: 6952,
      completion_tokens_details: { reasoning_tokens: 6001 },
    });
    expect(usage?.reasoning_tokens).toBe(6000);
  });

  it('returns undefined for null or shapeless usage', () => {
    expect(readUsage(null)).toBeUndefined();
    expect(readUsage({})).toBeUndefined();
    expect(readUsage('x')).toBeUndefined();
  });

  it('derives total when missing', () => {
    expect(readUsage({ prompt_tokens: 3, completion_tokens: 4 })?.total_tokens).toBe(7);
  });
});

describe('readUsage of a host that counts reasoning apart from completion (xAI)', () => {
  it('adds the reasoning to completion tokens when the total says it was counted apart', () => {
    expect(
      readUsage({ prompt_tokens: 10120, completion_tokens: 1499, total_tokens: 14428, prompt_tokens_details: { cached_tokens: 128 }, completion_tokens_details: { reasoning_tokens: 2809 } }),
    ).toEqual({ prompt_tokens: 10120, completion_tokens: 4308, total_tokens: 14428, cached_tokens: 128, reasoning_tokens: 2809 });
  });

  it("keeps OpenAI's meaning when the total holds the reasoning inside completion", () => {
    expect(readUsage({ prompt_tokens: 10, completion_tokens: 50, total_tokens: 60, completion_tokens_details: { reasoning_tokens: 40 } })?.completion_tokens).toBe(50);
    // Without a total nothing says the reasoning was apart.
    expect(readUsage({ prompt_tokens: 10, completion_tokens: 50, completion_tokens_details: { reasoning_tokens: 40 } })?.completion_tokens).toBe(50);
  });
});

describe("readUsage of DeepSeek's cache fields", () => {
  it('reads prompt_cache_hit_tokens as cached tokens (DeepSeek reports cache hits there, not in prompt_tokens_details)', () => {
    const usage = readUsage({ prompt_tokens: 1000, completion_tokens: 20, total_tokens: 1020, prompt_cache_hit_tokens: 768, prompt_cache_miss_tokens: 232 });
    expect(usage?.cached_tokens).toBe(768);
  });

  it("prefers OpenAI's field when both are sent", () => {
    expect(readUsage({ prompt_tokens: 1000, completion_tokens: 20, prompt_tokens_details: { cached_tokens: 512 }, prompt_cache_hit_tokens: 768 })?.cached_tokens).toBe(512);
  });
});
