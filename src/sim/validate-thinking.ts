import { invalidRequest } from './errors.js';
import { isRecord, present } from './json.js';
import type { RuleContext } from './rule.js';
import type { SimError } from './types.js';

/**
 * The `thinking` parameter. Captured: `invalid thinking: only type=enabled is allowed for this model`
 * (a model that always thinks, asked to stop). The mirror text for models that never think, and the
 * shape errors, are inferred.
 */
export function validateThinkingParam({ body, model }: RuleContext): SimError | undefined {
  if (!present(body, 'thinking')) return undefined;
  const t = body.thinking;
  if (!isRecord(t) || (t.type !== 'enabled' && t.type !== 'disabled')) {
    return invalidRequest('Invalid request: thinking.type must be "enabled" or "disabled"');
  }
  if (t.keep !== undefined && t.keep !== null && t.keep !== 'all') {
    return invalidRequest('Invalid request: thinking.keep must be "all" or null');
  }
  if (model.thinking === 'always' && t.type === 'disabled') {
    return invalidRequest('invalid thinking: only type=enabled is allowed for this model');
  }
  if (model.thinking === 'none' && t.type === 'enabled') {
    return invalidRequest('invalid thinking: only type=disabled is allowed for this model');
  }
  return undefined;
}

/**
 * Moonshot's most reported error: with thinking on, each assistant message carrying tool_calls must
 * also carry the reasoning_content it was produced with. `""` counts as missing, `" "` does not.
 */
export function validateReasoningContent({ thinking, messages }: RuleContext): SimError | undefined {
  if (!thinking) return undefined;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    if (!isRecord(m) || m.role !== 'assistant') continue;
    if (!Array.isArray(m.tool_calls) || m.tool_calls.length === 0) continue;
    if (typeof m.reasoning_content !== 'string' || m.reasoning_content === '') {
      return invalidRequest(`thinking is enabled but reasoning_content is missing in assistant tool call message at index ${i}`);
    }
  }
  return undefined;
}
