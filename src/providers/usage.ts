import type { Usage } from './types.js';

interface RawUsage {
  prompt_tokens?: unknown;
  completion_tokens?: unknown;
  total_tokens?: unknown;
  cached_tokens?: unknown;
  /** DeepSeek's name for cache hits (with prompt_cache_miss_tokens; the two make prompt_tokens). */
  prompt_cache_hit_tokens?: unknown;
  prompt_tokens_details?: { cached_tokens?: unknown } | null;
  completion_tokens_details?: { reasoning_tokens?: unknown } | null;
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/**
 * Reads usage in OpenAI's shape, Moonshot's (top-level `cached_tokens`) or DeepSeek's
 * (`prompt_cache_hit_tokens`), in OpenAI's terms: reasoning tokens are part of completion tokens,
 * cached tokens part of prompt tokens. Some hosts count reasoning apart (xAI: `total_tokens`
 * is prompt + completion + reasoning, and the reasoning is billed as output): when the total says
 * so, they are added to completion tokens, or they would never be priced. Otherwise providers
 * reporting reasoning above completion (seen on kimi-k3) are clamped, so costs never go negative.
 */
export function readUsage(raw: unknown): Usage | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const u = raw as RawUsage;
  const prompt = count(u.prompt_tokens);
  const completion = count(u.completion_tokens);
  if (prompt === undefined && completion === undefined) return undefined;
  const promptTokens = prompt ?? 0;
  const cached = count(u.prompt_tokens_details?.cached_tokens) ?? count(u.cached_tokens) ?? count(u.prompt_cache_hit_tokens) ?? 0;
  const reasoning = count(u.completion_tokens_details?.reasoning_tokens) ?? 0;
  const total = count(u.total_tokens);
  const reasoningApart = reasoning > 0 && total === promptTokens + (completion ?? 0) + reasoning;
  const completionTokens = (completion ?? 0) + (reasoningApart ? reasoning : 0);
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: total ?? promptTokens + completionTokens,
    cached_tokens: Math.min(cached, promptTokens),
    reasoning_tokens: Math.min(reasoning, completionTokens),
  };
}
