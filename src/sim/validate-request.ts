import type { Rule, RuleContext } from './rule.js';
import type { SimError } from './types.js';
import { validateContent } from './validate-content.js';
import { validateContextWindow } from './validate-context.js';
import { validateMessages } from './validate-messages.js';
import { validateResponseFormat } from './validate-response-format.js';
import { validateSampling } from './validate-sampling.js';
import { validateReasoningContent, validateThinkingParam } from './validate-thinking.js';
import { validateToolChoice, validateTools } from './validate-tools.js';

/** Structure first, then parameters, then the conversation-level rules; the first failure answers. */
export const CHAT_RULES: Rule[] = [
  validateMessages,
  validateThinkingParam,
  validateSampling,
  validateResponseFormat,
  validateTools,
  validateToolChoice,
  validateContent,
  validateReasoningContent,
  validateContextWindow,
];

export function validateChatRequest(ctx: RuleContext): SimError | undefined {
  for (const rule of CHAT_RULES) {
    const error = rule(ctx);
    if (error) return error;
  }
  return undefined;
}
