import type { ModelPrice } from '../catalogue/catalogue.js';
import type { PriceQuote } from './price-book.js';

/**
 * OpenAI's flex tier bills at half the standard price, cached input included (o3: $1 / $0.25 / $4
 * per 1M against $2 / $0.5 / $8; gpt-5: $0.625 / $0.0625 / $5). The tier is the one the answer
 * says served it (`service_tier`), not the one asked for. Other hosts' tiers of the same name
 * (Groq's `flex`) are not priced differently, so only OpenAI's catalogue prices are halved.
 * OpenAI's priority tier has a price of its own per model (gpt-5: $2.50 / $0.25 / $20, twice
 * standard; gpt-4.1: $3.50 / $0.875 / $14, 1.75×): the catalogue's where it has one, else the
 * standard price, a lower bound.
 */
const FLEX_SHARE = 0.5;

export function priceForTier(price: ModelPrice, quote: Pick<PriceQuote, 'catalogueProvider' | 'priorityPrice'>, tier: string | undefined): ModelPrice {
  if (tier === 'priority') return quote.priorityPrice ?? price;
  if (tier !== 'flex' || quote.catalogueProvider !== 'openai') return price;
  return {
    input: price.input * FLEX_SHARE,
    cached_input: price.cached_input === null ? null : price.cached_input * FLEX_SHARE,
    output: price.output * FLEX_SHARE,
  };
}

/** The `service_tier` an answer (JSON, or rebuilt from a stream) says it was served on. */
export function serviceTierOf(response: unknown): string | undefined {
  if (typeof response !== 'object' || response === null) return undefined;
  const tier = (response as { service_tier?: unknown }).service_tier;
  return typeof tier === 'string' ? tier : undefined;
}
