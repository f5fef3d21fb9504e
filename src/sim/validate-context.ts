import { invalidRequest } from './errors.js';
import type { RuleContext } from './rule.js';
import type { SimError } from './types.js';

/** Tokens the request reserves for the reply: max_completion_tokens wins over the deprecated max_tokens. */
export function requestedCompletionTokens(body: Record<string, unknown>): number | undefined {
  const v = body.max_completion_tokens ?? body.max_tokens;
  return typeof v === 'number' ? v : undefined;
}

/** Captured text: `Invalid request: Your request exceeded model token limit: 262144 (requested: 291351)`. */
export function validateContextWindow({ model, body, promptTokens }: RuleContext): SimError | undefined {
  const requested = promptTokens + (requestedCompletionTokens(body) ?? 0);
  if (requested <= model.context_window) return undefined;
  return invalidRequest(`Invalid request: Your request exceeded model token limit: ${model.context_window} (requested: ${requested})`);
}
