import { invalidRequest } from './errors.js';
import { isRecord, present } from './json.js';
import type { RuleContext } from './rule.js';
import type { SimError } from './types.js';

const ROLES = new Set(['system', 'user', 'assistant', 'tool']);

/**
 * Message structure. Moonshot has no `developer` role and no legacy `functions` / `function_call`;
 * the texts here are inferred (Moonshot's exact wording for these is not captured).
 */
export function validateMessages(ctx: RuleContext): SimError | undefined {
  const { body, messages } = ctx;
  if (present(body, 'functions') || present(body, 'function_call')) {
    return invalidRequest('Invalid request: functions and function_call are not supported, use tools and tool_choice instead');
  }
  if (messages.length === 0) return invalidRequest('Invalid request: messages must not be empty');

  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    if (!isRecord(m)) return invalidRequest(`Invalid request: message at index ${i} must be an object`);
    const role = m.role;
    if (typeof role !== 'string' || !ROLES.has(role)) {
      return invalidRequest(`Invalid request: unsupported role ${JSON.stringify(role ?? null)} at index ${i}, must be one of system, user, assistant, tool`);
    }
    if (present(m, 'function_call')) {
      return invalidRequest(`Invalid request: function_call in message at index ${i} is not supported, use tool_calls instead`);
    }
    if (m.partial === true && (i !== messages.length - 1 || role !== 'assistant')) {
      return invalidRequest('Invalid request: partial mode is only allowed on the last message, which must be an assistant message');
    }
  }
  return undefined;
}
