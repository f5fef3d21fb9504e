import { editableCopy } from '../editable-copy.js';
import type { Adjustments } from '../adjustments.js';
import type { ChatMessage } from '../../server/validate-chat-request.js';
import { ConversationDigest } from './conversation-digest.js';
import type { ReasoningMemory, ToolCallRef } from './reasoning-memory.js';

/** Moonshot rejects "" but accepts a single space where reasoning is unknown. */
export const REASONING_PLACEHOLDER = ' ';

/**
 * With thinking on, Moonshot wants every earlier assistant tool-call turn to carry its
 * `reasoning_content`, and most OpenAI clients drop that field between turns. Put back what we
 * remember for that turn of that conversation; where we don't know it and thinking is on, send
 * the placeholder Moonshot accepts. A reasoning that is the end of the remembered one is completed:
 * the OpenAI SDK's stream helper (`.stream()`, `finalChatCompletion()`) keeps only the last
 * `reasoning_content` fragment of an answer, so its clients send back a cut one. A model the
 * catalogue does not know is taken to think unless the request says otherwise, as Moonshot's
 * current models do. `history` is the client's own list, message for message the
 * same as `messages` (which earlier conversions may have rewritten): the memory knows a
 * conversation by what its client sent (see conversation-digest.ts). `conversation` is left where
 * the lookups stopped, for the caller to carry on to the end (the answer is remembered under it).
 */
export async function restoreReasoningContent(
  messages: ChatMessage[],
  memory: ReasoningMemory,
  scope: string,
  thinkingOn: boolean | undefined,
  adjustments: Adjustments,
  history: readonly ChatMessage[] = messages,
  conversation: ConversationDigest = new ConversationDigest(),
): Promise<ChatMessage[]> {
  let restored = 0;
  let completed = 0;
  let placeholders = 0;
  let out: ChatMessage[] | undefined;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    if (m.role !== 'assistant') continue;
    const calls = toolCallRefs(m.tool_calls);
    if (calls.length === 0) continue;
    const sent = typeof m.reasoning_content === 'string' && m.reasoning_content !== '' ? m.reasoning_content : undefined;
    const remembered = await memory.recall(scope, conversation.addUpTo(history, i).current(), calls);
    let reasoning: string | undefined;
    if (sent !== undefined) {
      if (remembered === undefined || remembered.length <= sent.length || !remembered.endsWith(sent)) continue;
      reasoning = remembered;
      completed++;
    } else if (remembered !== undefined) {
      reasoning = remembered;
      restored++;
    } else if (thinkingOn !== false) {
      reasoning = REASONING_PLACEHOLDER;
      placeholders++;
    }
    if (reasoning === undefined) continue;
    out ??= [...messages];
    const restoredMessage = editableCopy(m);
    restoredMessage.reasoning_content = reasoning;
    out[i] = restoredMessage as unknown as ChatMessage;
  }
  if (restored > 0) adjustments.add('reasoning_content', `restored(${restored})`);
  if (completed > 0) adjustments.add('reasoning_content', `completed(${completed})`);
  if (placeholders > 0) adjustments.add('reasoning_content', `placeholder(${placeholders})`);
  return out ?? messages;
}

/** The tool calls of an assistant message, in the form the memory keys on. */
export function toolCallRefs(toolCalls: unknown): ToolCallRef[] {
  if (!Array.isArray(toolCalls)) return [];
  const refs: ToolCallRef[] = [];
  for (const call of toolCalls) {
    if (!call || typeof call !== 'object') continue;
    const c = call as { id?: unknown; function?: { name?: unknown; arguments?: unknown } };
    refs.push({
      id: typeof c.id === 'string' ? c.id : '',
      name: typeof c.function?.name === 'string' ? c.function.name : '',
      arguments: typeof c.function?.arguments === 'string' ? c.function.arguments : '',
    });
  }
  return refs;
}
