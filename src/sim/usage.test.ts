import { describe, expect, it } from 'vitest';
import { findModel } from '../catalogue/catalogue.js';
import type { CatalogueModel } from '../catalogue/catalogue.js';
import { buildUsage, usageStyle } from './usage.js';

function model(id: string): CatalogueModel {
  const m = findModel('moonshot', id);
  if (!m) throw new Error(`no model ${id}`);
  return m;
}

describe('usage', () => {
  it('picks the style by family', () => {
    expect(usageStyle(model('moonshot-v1-8k'))).toBe('plain');
    expect(usageStyle(model('kimi-k2-0905-preview'))).toBe('top-level-cache');
    expect(usageStyle(model('kimi-k3'))).toBe('detailed');
    expect(usageStyle(model('kimi-k2.6'))).toBe('detailed');
  });

  it('matches the live kimi-k3 capture key for key (issue-19311)', () => {
    const usage = buildUsage('detailed', { promptTokens: 101, completionTokens: 32, reasoningTokens: 16, cachedTokens: 101 });
    expect(JSON.stringify(usage)).toBe(
      '{"prompt_tokens":101,"completion_tokens":32,"total_tokens":133,"cached_tokens":101,"completion_tokens_details":{"reasoning_tokens":16},"prompt_tokens_details":{"cached_tokens":101}}',
    );
  });

  it('leaves cached fields out on a cache miss and sends {} details without reasoning', () => {
    expect(buildUsage('detailed', { promptTokens: 10, completionTokens: 5, reasoningTokens: 0, cachedTokens: 0 })).toEqual({
      prompt_tokens: 10,
      completion_tokens: 5,
      total_tokens: 15,
      completion_tokens_details: {},
    });
  });

  it('plain and top-level styles', () => {
    const counts = { promptTokens: 100, completionTokens: 10, reasoningTokens: 0, cachedTokens: 80 };
    expect(buildUsage('plain', counts)).toEqual({ prompt_tokens: 100, completion_tokens: 10, total_tokens: 110 });
    expect(buildUsage('top-level-cache', counts)).toEqual({ prompt_tokens: 100, completion_tokens: 10, total_tokens: 110, cached_tokens: 80 });
  });
});
