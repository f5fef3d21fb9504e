import { invalidRequest } from './errors.js';
import { isRecord, present } from './json.js';
import type { RuleContext } from './rule.js';
import type { SimError } from './types.js';

export const MAX_TOOLS = 128;
export const FUNCTION_NAME = /^[a-zA-Z_][a-zA-Z0-9-_]{2,63}$/;
const BUILTIN_NAME = /^\$[a-z_]+$/;

/** The name of every tool in the request (function and builtin), in order. */
export function toolNames(tools: unknown): string[] {
  if (!Array.isArray(tools)) return [];
  const names: string[] = [];
  for (const t of tools) {
    if (isRecord(t) && isRecord(t.function) && typeof t.function.name === 'string') names.push(t.function.name);
  }
  return names;
}

/** Tool definitions: count, name syntax and uniqueness. Limits are Moonshot's; the texts are inferred. */
export function validateTools({ body, model, thinking }: RuleContext): SimError | undefined {
  if (!present(body, 'tools')) return undefined;
  const tools = body.tools;
  if (!Array.isArray(tools)) return invalidRequest('Invalid request: tools must be an array');
  if (tools.length > MAX_TOOLS) return invalidRequest(`Invalid request: too many tools: ${tools.length}, at most ${MAX_TOOLS} are allowed`);

  const seen = new Set<string>();
  for (let i = 0; i < tools.length; i++) {
    const tool = tools[i];
    if (!isRecord(tool) || !isRecord(tool.function) || typeof tool.function.name !== 'string') {
      return invalidRequest(`Invalid request: tools[${i}].function.name is required`);
    }
    const name = tool.function.name;
    if (tool.type === 'function') {
      if (!FUNCTION_NAME.test(name)) {
        return invalidRequest(`Invalid request: invalid function name: ${name}, it must match ^[a-zA-Z_][a-zA-Z0-9-_]{2,63}$`);
      }
      const params = tool.function.parameters;
      if (params !== undefined && params !== null && !isRecord(params)) {
        return invalidRequest(`Invalid request: parameters of function ${name} must be a JSON schema object`);
      }
    } else if (tool.type === 'builtin_function') {
      if (!BUILTIN_NAME.test(name)) return invalidRequest(`Invalid request: unknown builtin function: ${name}`);
      // Documented ("not with k2.5 thinking"); the wording is inferred.
      if (name === '$web_search' && thinking && model.web_search_with_thinking === false) {
        return invalidRequest(`Invalid request: builtin function $web_search is not supported with thinking enabled for model ${model.id}`);
      }
    } else {
      return invalidRequest(`Invalid request: unsupported tool type: ${String(tool.type)}`);
    }
    if (seen.has(name)) return invalidRequest(`Invalid request: function name ${name} is duplicated`);
    seen.add(name);
  }
  return undefined;
}

/**
 * `tool_choice`. With thinking on only "auto" and "none" are accepted (captured texts), unless the
 * catalogue says the model takes a forced choice (kimi-k3).
 */
export function validateToolChoice({ body, model, thinking }: RuleContext): SimError | undefined {
  if (!present(body, 'tool_choice')) return undefined;
  const choice = body.tool_choice;
  let forced: 'required' | 'specified' | undefined;
  if (choice === 'auto' || choice === 'none') return undefined;
  if (choice === 'required') forced = 'required';
  else if (isRecord(choice) && choice.type === 'function' && isRecord(choice.function) && typeof choice.function.name === 'string') {
    forced = 'specified';
    if (!toolNames(body.tools).includes(choice.function.name)) {
      return invalidRequest(`Invalid request: tool_choice names function ${choice.function.name}, which is not in tools`);
    }
  } else {
    return invalidRequest('Invalid request: tool_choice must be "none", "auto", "required" or {"type":"function","function":{"name":...}}');
  }
  if (thinking && !model.forced_tool_choice) {
    return invalidRequest(`tool_choice '${forced}' is incompatible with thinking enabled`);
  }
  return undefined;
}
