import type { CatalogueModel } from '../catalogue/catalogue.js';

export interface UsageCounts {
  promptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  cachedTokens: number;
}

/** How a model family reports usage, as seen in the captures under fixtures/moonshot-wire/. */
export type UsageStyle = 'plain' | 'top-level-cache' | 'detailed';

export function usageStyle(model: CatalogueModel): UsageStyle {
  if (model.family === 'moonshot-v1') return 'plain';
  // Thinking models (k2.5, k2.6, k2.7, k3, k2-thinking) report the details objects; older K2 ids
  // and kimi-latest only the top-level cached count.
  return model.thinking === 'none' ? 'top-level-cache' : 'detailed';
}

/**
 * Key order follows the live kimi-k3 captures: prompt, completion, total, cached_tokens,
 * completion_tokens_details, prompt_tokens_details. Cached fields appear only on a cache hit,
 * and `completion_tokens_details` is `{}` when nothing was reasoned (moonshotai-metadata-live).
 */
export function buildUsage(style: UsageStyle, c: UsageCounts): Record<string, unknown> {
  const usage: Record<string, unknown> = {
    prompt_tokens: c.promptTokens,
    completion_tokens: c.completionTokens,
    total_tokens: c.promptTokens + c.completionTokens,
  };
  if (style === 'plain') return usage;
  if (c.cachedTokens > 0) usage.cached_tokens = c.cachedTokens;
  if (style === 'top-level-cache') return usage;
  usage.completion_tokens_details = c.reasoningTokens > 0 ? { reasoning_tokens: c.reasoningTokens } : {};
  if (c.cachedTokens > 0) usage.prompt_tokens_details = { cached_tokens: c.cachedTokens };
  return usage;
}
