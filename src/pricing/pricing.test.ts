import { describe, expect, it } from 'vitest';
import { computeCost, roundUsd } from './compute-cost.js';
import { countWebSearchCalls } from './count-web-search-calls.js';
import { PriceBook } from './price-book.js';
import { requestCost } from './request-cost.js';

const providers = {
  moonshot: { type: 'moonshot' as const },
  'moonshot-team-b': { type: 'moonshot' as const },
  openai: { type: 'openai' as const },
  anthropic: { type: 'openai-compatible' as const },
  together: { type: 'openai-compatible' as const },
};

describe('computeCost', () => {
  it('splits input, cache hits and output, to the cent and below', () => {
    // kimi-k2.6: 0.95 in, 0.16 cache hit, 4.00 out per 1M tokens.
    const cost = computeCost({ prompt: 1_000_000, cached: 250_000, completion: 500_000 }, { input: 0.95, cached_input: 0.16, output: 4 });
    expect(cost.input_usd).toBe(0.7125);
    expect(cost.cached_input_usd).toBe(0.04);
    expect(cost.output_usd).toBe(2);
    expect(cost.total_usd).toBe(2.7525);
  });

  it('bills cache hits at the input price when the model has no cache-hit price', () => {
    const cost = computeCost({ prompt: 100, cached: 40, completion: 0 }, { input: 2, cached_input: null, output: 5 });
    expect(cost.cached_input_usd).toBe(0.00008);
    expect(cost.input_usd).toBe(0.00012);
  });

  it('never goes negative and never counts more cache hits than prompt tokens', () => {
    const cost = computeCost({ prompt: 10, cached: 50, completion: -3 }, { input: 1, cached_input: 0.1, output: 1 });
    expect(cost.input_usd).toBe(0);
    expect(cost.cached_input_usd).toBe(0.000001);
    expect(cost.output_usd).toBe(0);
  });

  it('adds per-call tools', () => {
    const cost = computeCost({ prompt: 0, cached: 0, completion: 0 }, { input: 1, cached_input: null, output: 1 }, { calls: 3, price: 0.004 });
    expect(cost.web_search_usd).toBe(0.012);
    expect(cost.total_usd).toBe(0.012);
  });

  it('hides float noise', () => {
    expect(roundUsd(0.1 + 0.2)).toBe(0.3);
  });
});

describe('PriceBook', () => {
  const book = new PriceBook(providers, {
    'moonshot/kimi-k2.5': { output: 2.5 },
    'together/meta-llama/Llama-3.3-70B-Instruct-Turbo': { input: 0.88, output: 0.88 },
    'together/half-priced': { input: 1 },
  });

  it('prices Moonshot models from the catalogue, with their cache-hit price', () => {
    expect(book.quote('moonshot', 'kimi-k2.6')).toMatchObject({ price: { input: 0.95, cached_input: 0.16, output: 4 }, source: 'catalogue' });
  });

  it('prices a Moonshot-type provider under another name as Moonshot', () => {
    expect(book.quote('moonshot-team-b', 'kimi-k3').price).toEqual({ input: 3, cached_input: 0.3, output: 15 });
  });

  it('knows OpenAI and Anthropic prices, dated snapshots included', () => {
    expect(book.quote('openai', 'gpt-4o').price).toEqual({ input: 2.5, cached_input: 1.25, output: 10 });
    expect(book.quote('openai', 'gpt-4o-2024-08-06').price).toEqual({ input: 2.5, cached_input: 1.25, output: 10 });
    expect(book.quote('openai', 'gpt-4o-2024-05-13').price).toEqual({ input: 5, cached_input: null, output: 15 });
    expect(book.quote('anthropic', 'claude-sonnet-4-5-20250929').price).toEqual({ input: 3, cached_input: 0.3, output: 15 });
  });

  it("knows OpenAI's priority prices where OpenAI lists them, dated snapshots included", () => {
    expect(book.quote('openai', 'gpt-4o-2024-11-20').priorityPrice).toEqual({ input: 4.25, cached_input: 2.125, output: 17 });
    expect(book.quote('openai', 'gpt-5-nano').priorityPrice).toBeUndefined();
    // An operator's own price replaces the catalogue's standard one; a catalogue priority price
    // beside it could contradict it (a discount), so there is none.
    const overridden = new PriceBook(providers, { 'openai/gpt-4.1': { input: 1 } });
    expect(overridden.quote('openai', 'gpt-4.1').source).toBe('config');
    expect(overridden.quote('openai', 'gpt-4.1').priorityPrice).toBeUndefined();
  });

  it('applies config overrides over the catalogue, field by field', () => {
    expect(book.quote('moonshot', 'kimi-k2.5')).toMatchObject({ price: { input: 0.6, cached_input: 0.1, output: 2.5 }, source: 'config' });
    expect(book.quote('together', 'meta-llama/Llama-3.3-70B-Instruct-Turbo').price).toEqual({ input: 0.88, cached_input: null, output: 0.88 });
  });

  it('says unknown (null) rather than 0 for models without a price', () => {
    expect(book.quote('moonshot', 'kimi-k2.7-code').price).toBeNull();
    expect(book.quote('moonshot', 'moonshot-v1-auto').price).toBeNull();
    expect(book.quote('together', 'some/model').price).toBeNull();
    expect(book.quote('together', 'half-priced').price).toBeNull();
    expect(book.quote('openai', undefined).price).toBeNull();
  });

  it('finds ingested models by bare id or provider/model', () => {
    expect(book.quote(undefined, 'gpt-4').price).toEqual({ input: 30, cached_input: null, output: 60 });
    expect(book.quote(undefined, 'kimi-k2.6').price?.input).toBe(0.95);
    expect(book.quote(undefined, 'moonshot/kimi-k2.6').price?.input).toBe(0.95);
    expect(book.quote(undefined, 'anthropic/claude-haiku-4-5').price?.output).toBe(5);
    expect(book.quote(undefined, 'no-such-model').price).toBeNull();
  });

  it('applies config overrides to ingested provider/model names', () => {
    expect(book.quote(undefined, 'together/meta-llama/Llama-3.3-70B-Instruct-Turbo')).toMatchObject({ price: { input: 0.88, output: 0.88 }, source: 'config' });
    expect(book.quote(undefined, 'moonshot/kimi-k2.5')).toMatchObject({ price: { output: 2.5 }, source: 'config' });
  });

  it('looks overrides up by provider/model only (config refuses bare-id keys, so none is read)', () => {
    const bare = new PriceBook(providers, { 'my-model': { input: 1, output: 2 }, 'together/my-model': { input: 3, output: 4 } });
    expect(bare.quote(undefined, 'my-model').price).toBeNull();
    expect(bare.quote(undefined, 'together/my-model').price).toEqual({ input: 3, cached_input: null, output: 4 });
    expect(bare.quote('together', 'my-model').price).toEqual({ input: 3, cached_input: null, output: 4 });
    // Names of Object.prototype's members are unknown models like any other.
    expect(bare.quote(undefined, 'constructor')).toEqual({ price: null, source: 'none', catalogueProvider: undefined });
  });

  it('knows the per-call price of $web_search on Moonshot only', () => {
    expect(book.toolPrice('moonshot', '$web_search')).toBe(0.004);
    expect(book.toolPrice('openai', '$web_search')).toBeUndefined();
  });
});

describe('requestCost', () => {
  const book = new PriceBook(providers, {});
  const webSearchAnswer = {
    choices: [{ index: 0, message: { role: 'assistant', content: '', tool_calls: [{ id: 'w', type: 'builtin_function', function: { name: '$web_search', arguments: '{}' } }] } }],
  };

  it('costs a request with usage, counting $web_search calls', () => {
    const cost = requestCost(book, { provider: 'moonshot', model: 'kimi-k2.6', tokens: { prompt: 1000, cached: 0, completion: 10 }, response: webSearchAnswer, failedWithoutAnswer: false });
    expect(cost.web_search_calls).toBe(1);
    expect(cost.breakdown?.web_search_usd).toBe(0.004);
    expect(cost.total_usd).toBe(roundUsd(1000 * 0.95e-6 + 10 * 4e-6 + 0.004));
  });

  it('is 0 for an error answer and null for an answer whose usage never came', () => {
    expect(requestCost(book, { provider: 'moonshot', model: 'kimi-k2.6', tokens: undefined, response: undefined, failedWithoutAnswer: true }).total_usd).toBe(0);
    expect(requestCost(book, { provider: 'moonshot', model: 'kimi-k2.6', tokens: undefined, response: undefined, failedWithoutAnswer: false }).total_usd).toBeNull();
  });

  it('is null when the price is unknown, whatever the usage', () => {
    const cost = requestCost(book, { provider: 'moonshot', model: 'kimi-latest', tokens: { prompt: 5, cached: 0, completion: 5 }, response: undefined, failedWithoutAnswer: false });
    expect(cost).toEqual({ total_usd: null, breakdown: null, web_search_calls: 0 });
  });

  it('is 0 for an error answer even when the price is unknown (a 404 for a model nobody prices)', () => {
    const cost = requestCost(book, { provider: 'moonshot', model: 'kimi-k9-imaginary', tokens: undefined, response: undefined, failedWithoutAnswer: true });
    expect(cost.total_usd).toBe(0);
  });
});

describe('countWebSearchCalls', () => {
  it('ignores anything that is not a $web_search tool call', () => {
    expect(countWebSearchCalls(undefined)).toBe(0);
    expect(countWebSearchCalls({ choices: [{ message: { tool_calls: [{ function: { name: 'get_weather' } }] } }] })).toBe(0);
    expect(countWebSearchCalls({ choices: 'x' })).toBe(0);
  });
});

describe('requestCost for requests refused before any provider', () => {
  it('is 0 even without a known price', () => {
    const book = new PriceBook({}, {});
    expect(requestCost(book, { provider: undefined, model: undefined, tokens: undefined, response: undefined, failedWithoutAnswer: true, reachedProvider: false }).total_usd).toBe(0);
  });
});
