import { describe, expect, it } from 'vitest';
import { findModel } from '../../src/catalogue/catalogue.js';
import { computeCost } from '../../src/pricing/compute-cost.js';
import { PriceBook } from '../../src/pricing/price-book.js';
import { requestCost } from '../../src/pricing/request-cost.js';

/**
 * Moonshot's price list and context windows as docs/moonshot.md gives them (USD per 1M tokens:
 * cache-hit input / input / output). Null: not a flat price (kimi-latest and moonshot-v1-auto are
 * billed by tier, kimi-k2.7-code is not listed), so the cost is unknown rather than 0.
 */
const TABLE: Array<[string, number, [number | null, number, number] | null]> = [
  ['kimi-k3', 1_048_576, [0.3, 3, 15]],
  ['kimi-k2.6', 262_144, [0.16, 0.95, 4]],
  ['kimi-k2.5', 262_144, [0.1, 0.6, 3]],
  ['kimi-k2-thinking', 262_144, [0.15, 0.6, 2.5]],
  ['kimi-k2-thinking-turbo', 262_144, [0.15, 1.15, 8]],
  ['kimi-k2-0905-preview', 262_144, [0.15, 0.6, 2.5]],
  ['kimi-k2-turbo-preview', 262_144, [0.15, 1.15, 8]],
  ['kimi-k2-0711-preview', 131_072, [0.15, 0.6, 2.5]],
  ['kimi-latest', 131_072, null],
  ['moonshot-v1-8k', 8_192, [null, 0.2, 2]],
  ['moonshot-v1-8k-vision-preview', 8_192, [null, 0.2, 2]],
  ['moonshot-v1-32k', 32_768, [null, 1, 3]],
  ['moonshot-v1-32k-vision-preview', 32_768, [null, 1, 3]],
  ['moonshot-v1-128k', 131_072, [null, 2, 5]],
  ['moonshot-v1-128k-vision-preview', 131_072, [null, 2, 5]],
  ['moonshot-v1-auto', 131_072, null],
  ['kimi-k2.7-code', 262_144, null],
];

describe('the Moonshot catalogue against docs/moonshot.md', () => {
  for (const [id, ctx, price] of TABLE) {
    it(id, () => {
      const m = findModel('moonshot', id);
      expect(m?.context_window).toBe(ctx);
      expect(m?.price).toEqual(price === null ? null : { cached_input: price[0], input: price[1], output: price[2] });
    });
  }
});

describe('costs from Moonshot-shaped usage', () => {
  const book = new PriceBook({ moonshot: { type: 'moonshot' } }, {});

  it('live kimi-k3 capture (issue-19311): 101 prompt all cached, 32 completion of which 16 reasoning', () => {
    // Reasoning tokens are part of completion_tokens and billed once, at the output price.
    const cost = requestCost(book, { provider: 'moonshot', model: 'kimi-k3', tokens: { prompt: 101, cached: 101, completion: 32 }, response: undefined, failedWithoutAnswer: false });
    expect(cost.breakdown).toMatchObject({ input_usd: 0, cached_input_usd: 0.0000303, output_usd: 0.00048 });
    expect(cost.total_usd).toBe(0.0005103);
  });

  it('$web_search costs $0.004 a call on top of the tokens', () => {
    const response = { choices: [{ message: { tool_calls: [{ type: 'builtin_function', function: { name: '$web_search', arguments: '{}' } }] } }] };
    const cost = requestCost(book, { provider: 'moonshot', model: 'kimi-k2.6', tokens: { prompt: 0, cached: 0, completion: 0 }, response, failedWithoutAnswer: false });
    expect(cost.breakdown?.web_search_usd).toBe(0.004);
  });

  it('rounds to 1e-12 USD without float noise', () => {
    expect(computeCost({ prompt: 3, cached: 0, completion: 0 }, { input: 0.1, cached_input: null, output: 0.2 }).total_usd).toBe(3e-7);
  });
});
