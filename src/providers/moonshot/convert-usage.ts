import { editableCopy } from '../editable-copy.js';

/**
 * Moonshot reports cache hits as a top-level `cached_tokens`; OpenAI clients read
 * `prompt_tokens_details.cached_tokens`. Add the OpenAI place, keep Moonshot's field.
 */
export function toOpenAIUsage(usage: unknown): unknown {
  if (!usage || typeof usage !== 'object') return usage;
  const u = usage as Record<string, unknown> & { prompt_tokens_details?: Record<string, unknown> | null };
  if (typeof u.cached_tokens !== 'number') return usage;
  if (u.prompt_tokens_details && typeof u.prompt_tokens_details.cached_tokens === 'number') return usage;
  // Copies that then get a field (editableCopy): every answer with usage comes through here.
  const details = editableCopy(u.prompt_tokens_details ?? {});
  details.cached_tokens = u.cached_tokens;
  const converted = editableCopy(u);
  converted.prompt_tokens_details = details;
  return converted;
}
