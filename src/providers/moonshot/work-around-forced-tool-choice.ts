import type { Adjustments } from '../adjustments.js';
import type { CatalogueModel } from '../../catalogue/catalogue.js';
import { GatewayError } from '../../server/gateway-error.js';
import type { ChatMessage } from '../../server/validate-chat-request.js';

/**
 * With thinking on, most Kimi models reject `tool_choice: "required"` and named tools. Moonshot's
 * documented workaround: leave tool_choice out and ask for a tool in an appended user message;
 * for a named tool, also offer only that tool. Models that accept forcing (kimi-k3) are untouched.
 */
export function workAroundForcedToolChoice(
  body: Record<string, unknown>,
  model: CatalogueModel | undefined,
  thinkingOn: boolean | undefined,
  adjustments: Adjustments,
): void {
  if (thinkingOn !== true || model?.forced_tool_choice) return;
  const choice = body.tool_choice;
  const messages = body.messages as ChatMessage[];

  if (choice === 'required') {
    delete body.tool_choice;
    body.messages = [...messages, { role: 'user', content: 'Please select a tool to handle the current issue.' }];
    adjustments.add('tool_choice', 'required->instruction');
    return;
  }

  const name = namedTool(choice);
  if (name === undefined) return;
  const narrowed = Array.isArray(body.tools) ? body.tools.filter((t) => toolName(t) === name) : [];
  // Moonshot would refuse it, as OpenAI does; once tool_choice becomes an instruction it cannot,
  // and the model would call whatever tool it liked.
  if (narrowed.length === 0) {
    throw new GatewayError(400, `\`tool_choice\` names the function "${name}", which is not in \`tools\`.`, { type: 'invalid_request_error', code: 'invalid_request', param: 'tool_choice' });
  }
  delete body.tool_choice;
  body.tools = narrowed;
  body.messages = [...messages, { role: 'user', content: `Please use the tool "${name}" to handle the current issue.` }];
  adjustments.add('tool_choice', `named(${name})->instruction`);
}

function namedTool(choice: unknown): string | undefined {
  if (choice && typeof choice === 'object') {
    const fn = (choice as { function?: { name?: unknown } }).function;
    if (fn && typeof fn.name === 'string') return fn.name;
  }
  return undefined;
}

function toolName(tool: unknown): string | undefined {
  const fn = (tool as { function?: { name?: unknown } } | null)?.function;
  return fn && typeof fn.name === 'string' ? fn.name : undefined;
}
