import type { AssembledResponse } from '../stream-assembler.js';
import type { ToolCallRef } from './reasoning-memory.js';

/**
 * A streamed answer reduced to its tool calls, for when response bodies are not logged and so the
 * stream is not rebuilt: the cost still needs the calls, since Moonshot bills `$web_search` per call
 * (pricing/count-web-search-calls.ts reads them from the answer). Builtins are named with a `$`.
 */
export function toolCallsAnswer(choices: ReadonlyMap<number, { toolCalls?: { assembled(): ToolCallRef[] } }>): AssembledResponse {
  const out: AssembledResponse['choices'] = [];
  for (const [index, state] of [...choices.entries()].sort((a, b) => a[0] - b[0])) {
    const calls = state.toolCalls?.assembled();
    if (!calls || calls.length === 0) continue;
    const tool_calls = calls.map((c) => ({ id: c.id, type: c.name.startsWith('$') ? 'builtin_function' : 'function', function: { name: c.name, arguments: c.arguments } }));
    out.push({ index, message: { role: 'assistant', content: '', tool_calls }, finish_reason: null });
  }
  return { object: 'chat.completion', choices: out };
}
