import type { ModelPrice } from '../../catalogue/catalogue.js';
import { computeCost } from '../../pricing/compute-cost.js';
import { requestCost } from '../../pricing/request-cost.js';
import type { PriceBook } from '../../pricing/price-book.js';
import { costDetails } from '../cost-details.js';
import type { CostDetails } from '../log-record.js';

export interface IngestedCostInput {
  provider: string | null;
  model: string;
  /** As sent; wins over everything else (the sender knows what it paid). */
  given: number | null | undefined;
  /** USD per 1M tokens, for models the catalogue cannot know (self-hosted, fine-tuned). */
  unitPrices?: { input?: number; output?: number };
  prompt: number | null;
  completion: number | null;
  cached: number | null;
  status: number;
  response: unknown;
}

/**
 * Cost of an ingested record: as given, else from the sender's unit prices, else from the
 * catalogue. An error answer (4xx/5xx) costs 0 whatever tokens it reports, as a proxied one does
 * (providers do not bill errors); a 499 (the client left mid-answer) is billed like a proxied one.
 */
export function ingestedCost(prices: PriceBook, input: IngestedCostInput): { cost_usd: number | null; cost_details: CostDetails | null } {
  if (input.given !== undefined && input.given !== null) return { cost_usd: input.given, cost_details: null };
  const errorAnswer = input.status >= 400 && input.status !== 499;
  const tokens =
    errorAnswer || (input.prompt === null && input.completion === null) ? undefined : { prompt: input.prompt ?? 0, completion: input.completion ?? 0, cached: input.cached ?? 0 };
  const unit = input.unitPrices;
  if (unit?.input !== undefined && unit.output !== undefined && tokens) {
    const price: ModelPrice = { input: unit.input, cached_input: null, output: unit.output };
    const b = computeCost(tokens, price);
    return { cost_usd: b.total_usd, cost_details: costDetails(b, 0) };
  }
  const cost = requestCost(prices, {
    provider: input.provider ?? undefined,
    model: input.model,
    tokens,
    response: input.response,
    failedWithoutAnswer: input.status >= 400,
  });
  return {
    cost_usd: cost.total_usd,
    cost_details: costDetails(cost.breakdown, cost.web_search_calls),
  };
}
