import { computeCost } from './compute-cost.js';
import type { BillableTokens, CostBreakdown } from './compute-cost.js';
import { countWebSearchCalls } from './count-web-search-calls.js';
import type { PriceBook } from './price-book.js';
import { priceForTier, serviceTierOf } from './service-tier.js';

export interface RequestCostInput {
  provider: string | undefined;
  model: string | undefined;
  /** Undefined when the provider reported no usage. */
  tokens: BillableTokens | undefined;
  /** The answer, to count per-call tools in. */
  response: unknown;
  /** The request failed with an error answer (4xx/5xx) rather than part-way through an answer. */
  failedWithoutAnswer: boolean;
  /** False when the request was refused before any provider was called: nothing can be billed. */
  reachedProvider?: boolean;
}

export interface RequestCost {
  /** Null when the price, or the usage of an answer that was produced, is unknown. Never a made-up 0. */
  total_usd: number | null;
  breakdown: CostBreakdown | null;
  web_search_calls: number;
}

const NOTHING_BILLED: CostBreakdown = { input_usd: 0, cached_input_usd: 0, output_usd: 0, web_search_usd: 0, total_usd: 0 };

/**
 * The cost of one request against the price book. A request refused before any provider was
 * called costs 0 whatever its model, and so does one that failed with an error answer and no
 * usage, price known or not (providers do not bill errors: a 404 for a model nobody prices is
 * still free). An answer whose usage was never reported (a stream cut short) has an unknown cost,
 * not 0.
 */
export function requestCost(book: PriceBook, input: RequestCostInput): RequestCost {
  const webSearchCalls = countWebSearchCalls(input.response);
  if (input.reachedProvider === false) return { total_usd: 0, breakdown: NOTHING_BILLED, web_search_calls: 0 };
  if (input.tokens === undefined && input.failedWithoutAnswer) return { total_usd: 0, breakdown: NOTHING_BILLED, web_search_calls: webSearchCalls };
  const quote = book.quote(input.provider, input.model);
  if (quote.price === null || input.tokens === undefined) return { total_usd: null, breakdown: null, web_search_calls: webSearchCalls };
  const perCall = webSearchCalls > 0 ? book.toolPrice(quote.catalogueProvider, '$web_search') : undefined;
  const price = priceForTier(quote.price, quote, serviceTierOf(input.response));
  const breakdown = computeCost(input.tokens, price, perCall === undefined ? undefined : { calls: webSearchCalls, price: perCall });
  return { total_usd: breakdown.total_usd, breakdown, web_search_calls: webSearchCalls };
}
