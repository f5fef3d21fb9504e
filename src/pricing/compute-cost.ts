import type { ModelPrice } from '../catalogue/catalogue.js';

/** The token counts cost depends on, in OpenAI's terms: `cached` is part of `prompt`. */
export interface BillableTokens {
  prompt: number;
  completion: number;
  cached: number;
}

/** USD, split the way providers bill it. */
export interface CostBreakdown {
  /** Prompt tokens that were not cache hits, at the input price. */
  input_usd: number;
  /** Cache-hit prompt tokens, at the cache-hit price (the input price when the model has none). */
  cached_input_usd: number;
  /** Completion tokens, reasoning included, at the output price. */
  output_usd: number;
  /** Built-in tool calls billed per call (Moonshot's `$web_search`). */
  web_search_usd: number;
  total_usd: number;
}

export interface ToolCalls {
  calls: number;
  /** USD per call. */
  price: number;
}

const PER_TOKEN = 1 / 1_000_000;

/**
 * What one request cost. Prices are USD per 1M tokens. Amounts are rounded to 1e-12 USD so
 * that float noise (0.1 + 0.2) never shows, while sub-cent amounts of single requests stay exact
 * enough to sum to the cent over millions of requests.
 */
export function computeCost(tokens: BillableTokens, price: ModelPrice, webSearch?: ToolCalls): CostBreakdown {
  const cached = Math.min(Math.max(tokens.cached, 0), Math.max(tokens.prompt, 0));
  const uncached = Math.max(tokens.prompt, 0) - cached;
  const input = roundUsd(uncached * price.input * PER_TOKEN);
  const cachedInput = roundUsd(cached * (price.cached_input ?? price.input) * PER_TOKEN);
  const output = roundUsd(Math.max(tokens.completion, 0) * price.output * PER_TOKEN);
  const tools = webSearch && webSearch.calls > 0 ? roundUsd(webSearch.calls * webSearch.price) : 0;
  return {
    input_usd: input,
    cached_input_usd: cachedInput,
    output_usd: output,
    web_search_usd: tools,
    total_usd: roundUsd(input + cachedInput + output + tools),
  };
}

export function roundUsd(usd: number): number {
  return Math.round(usd * 1e12) / 1e12;
}
