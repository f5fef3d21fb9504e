/**
 * Turns the YAML `pricing:` map into price overrides, and checks what the schema cannot: that each
 * key names a configured provider, and that a model the catalogue has no price for gets a whole
 * price. Either mistake would otherwise be ignored when requests are priced, leaving their cost
 * null with nothing said at start-up.
 */
import { findModel } from '../catalogue/catalogue.js';
import { catalogueProviderOf } from '../pricing/price-book.js';
import { parseWith } from './format-issues.js';
import { checkModelRef } from './normalize-models.js';
import type { ProblemList } from './problems.js';
import { pricingSchema } from './schema.js';
import type { ModelPriceOverride, ProviderConfig } from './types.js';

export function normalizePricing(
  raw: unknown,
  providers: Readonly<Record<string, ProviderConfig>>,
  providerNames: ReadonlySet<string>,
  problems: ProblemList,
): Record<string, ModelPriceOverride> {
  if (raw === undefined || raw === null) return {};
  const pricing = parseWith(pricingSchema, raw, ['pricing'], problems);
  if (!pricing) return {};

  const out: Record<string, ModelPriceOverride> = {};
  for (const [key, price] of Object.entries(pricing)) {
    // The names in the order normalizeProviders gives them, so that a pricing problem lists the
    // providers as a models problem in the same file does (moonshot first, then the file's order).
    const refProblem = checkModelRef(key, providerNames);
    if (refProblem) {
      problems.add(['pricing', key], refProblem);
      continue;
    }
    const slash = key.indexOf('/');
    const provider = key.slice(0, slash);
    const model = key.slice(slash + 1);
    const catalogued = findModel(catalogueProviderOf(provider, providers[provider]?.type), model)?.price;
    const missing = (['input', 'output'] as const).filter((field) => price[field] === undefined);
    if (!catalogued && missing.length) {
      problems.add(['pricing', key], `${JSON.stringify(model)} has no catalogue price, so give both input and output (${missing.join(' and ')} missing)`);
      continue;
    }
    const override: ModelPriceOverride = {};
    if (price.input !== undefined) override.input = price.input;
    if (price.cached_input !== undefined) override.cached_input = price.cached_input;
    if (price.output !== undefined) override.output = price.output;
    out[key] = override;
  }
  return out;
}
