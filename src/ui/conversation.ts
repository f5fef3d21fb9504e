/**
 * The playground's conversation: the turns sent and answered so far, so that the next message (or
 * the results of the tools the model called) continues it. Kept in the tab's sessionStorage, like
 * the form, so that a reload or a look at a log record finds it again.
 *
 * Assistant turns are kept without their `reasoning_content`: the gateway puts a Kimi model's
 * reasoning back into the tool-call turns that need it (what a client that drops it gets), and
 * providers that do not take it back (DeepSeek refuses it in a request) never see it.
 */
export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type Turn =
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; tool_calls?: ToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

const STORAGE = 'moongate.playground.conversation';

export function savedConversation(): Turn[] {
  try {
    const v = JSON.parse(sessionStorage.getItem(STORAGE) ?? '[]') as unknown;
    return Array.isArray(v) ? (v as Turn[]) : [];
  } catch {
    return [];
  }
}

/**
 * False when the tab's storage cannot hold it (very long turns fill its few MB): the conversation
 * then lives in the page only, and the older one stored is dropped rather than found at a reload.
 */
export function saveConversation(turns: Turn[]): boolean {
  try {
    if (turns.length === 0) sessionStorage.removeItem(STORAGE);
    else sessionStorage.setItem(STORAGE, JSON.stringify(turns));
    return true;
  } catch {
    sessionStorage.removeItem(STORAGE);
    return false;
  }
}

/** The tool calls of the last answer, still waiting for their results. */
export function pendingToolCalls(turns: readonly Turn[]): ToolCall[] {
  const last = turns[turns.length - 1];
  return last?.role === 'assistant' ? (last.tool_calls ?? []) : [];
}

/**
 * What the next request adds: a result for each pending tool call, then the user's message. A
 * model that called tools must hear back from each of them (providers refuse a conversation that
 * leaves one unanswered); a message is needed when there are none to answer.
 */
export function nextTurns(turns: readonly Turn[], results: readonly string[], message: string): Turn[] {
  const pending = pendingToolCalls(turns);
  const added: Turn[] = pending.map((call, i) => {
    const content = results[i] ?? '';
    if (content.trim() === '') throw new Error(`Give a result for the ${call.function.name} tool call (${call.id}) to continue.`);
    return { role: 'tool', tool_call_id: call.id, content };
  });
  if (message.trim() !== '') added.push({ role: 'user', content: message });
  else if (pending.length === 0) throw new Error('Write a message to send.');
  return added;
}

/**
 * The answer as a turn of the conversation; calls without an id get one, as a tool result must name
 * it. A call whose arguments are not whole JSON (cut off by `max_tokens`) is left out: sent back, it
 * would have the provider refuse the conversation, and no tool could have run it. So are the gaps
 * of a stream whose tool-call indices skipped a number.
 */
export function answerTurn(content: string, calls: readonly ({ id?: string; name: string; arguments: string } | undefined)[]): Turn {
  const whole = calls.filter((c): c is { id?: string; name: string; arguments: string } => c !== undefined && isJson(c.arguments));
  if (whole.length === 0) return { role: 'assistant', content };
  return {
    role: 'assistant',
    content,
    tool_calls: whole.map((c, i) => ({ id: c.id ?? `call_${i}`, type: 'function', function: { name: c.name, arguments: c.arguments } })),
  };
}

/** Whole JSON, or nothing at all (some providers send `""` for a call without arguments). */
function isJson(text: string): boolean {
  if (text === '') return true;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
