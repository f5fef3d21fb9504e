import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import type { ChatMessage } from '../../server/validate-chat-request.js';

/**
 * Digests of a conversation's beginning: the messages before an assistant turn, so that the
 * reasoning remembered for a turn is found again only in the conversation that produced it. Tool
 * calls alone do not tell conversations apart: Moonshot's ids repeat (`get_weather:0`) and the
 * same call with the same arguments is common, across users of one key and within a conversation.
 *
 * Each message counts by what a client keeps when it sends the history back: role, content, tool
 * calls (arguments as parsed JSON), tool_call_id and name. reasoning_content is left out (it is
 * what gets restored), and so is anything an SDK may add to a message it hands back.
 */
export class ConversationDigest {
  private readonly hash: Hash = createHash('sha256');
  private count = 0;

  /** Messages added so far. */
  get length(): number {
    return this.count;
  }

  add(message: ChatMessage): void {
    this.hash.update(canonicalMessage(message));
    this.hash.update('\n');
    this.count++;
  }

  /** The digest of the messages added so far; more can be added after. */
  current(): string {
    return this.hash.copy().digest('base64url');
  }
}

/** The digest of a whole list of messages. */
export function digestOf(messages: readonly ChatMessage[]): string {
  const digest = new ConversationDigest();
  for (const m of messages) digest.add(m);
  return digest.current();
}

function canonicalMessage(m: ChatMessage): string {
  return JSON.stringify([
    m.role,
    m.content === null || m.content === undefined ? '' : m.content,
    Array.isArray(m.tool_calls) ? m.tool_calls.map(canonicalToolCall) : [],
    m.tool_call_id ?? null,
    m.name ?? null,
  ]);
}

function canonicalToolCall(call: unknown): unknown {
  if (!call || typeof call !== 'object') return call;
  const c = call as { id?: unknown; function?: { name?: unknown; arguments?: unknown } };
  return [c.id ?? null, c.function?.name ?? null, typeof c.function?.arguments === 'string' ? canonicalArguments(c.function.arguments) : (c.function?.arguments ?? null)];
}

/** Arguments as parsed JSON, written again: re-serialized arguments (`{"a": 1}` / `{"a":1}`) match. */
export function canonicalArguments(args: string): string {
  try {
    return JSON.stringify(JSON.parse(args));
  } catch {
    return args;
  }
}
