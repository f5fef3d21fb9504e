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
  // Made on first use: most requests never need a digest.
  private hashState: Hash | undefined;
  private count = 0;

  /** Messages added so far. */
  get length(): number {
    return this.count;
  }

  add(message: ChatMessage): void {
    // Field by field, each tagged with its kind and length, so no two messages hash alike. Long
    // text is never put through JSON.stringify, and the message goes to the hash in one update
    // (each update crosses into native code: five per message cost more than the hashing).
    const calls = Array.isArray(message.tool_calls) && message.tool_calls.length > 0 ? message.tool_calls.map(canonicalToolCall) : null;
    this.hash.update(
      field(message.role) + field(message.content === '' ? null : message.content) + field(calls) + field(message.tool_call_id) + field(message.name),
    );
    this.count++;
  }

  /** Adds the messages from `this.length` up to (not including) `end`. */
  addUpTo(messages: readonly ChatMessage[], end: number): this {
    while (this.count < end) this.add(messages[this.count]!);
    return this;
  }

  private get hash(): Hash {
    return (this.hashState ??= createHash('sha256'));
  }

  /** The digest of the messages added so far; more can be added after. */
  current(): string {
    return this.hash.copy().digest('base64url');
  }
}

/** The digest of a whole list of messages. */
export function digestOf(messages: readonly ChatMessage[]): string {
  return new ConversationDigest().addUpTo(messages, messages.length).current();
}

/** One field: `n` for null or absent, else its kind, its length and itself. */
function field(value: unknown): string {
  if (value === null || value === undefined) return 'n';
  if (typeof value === 'string') return `s${value.length}:${value}`;
  const json = JSON.stringify(value);
  return `j${json.length}:${json}`;
}

function canonicalToolCall(call: unknown): unknown {
  if (!call || typeof call !== 'object') return call;
  const c = call as { id?: unknown; function?: { name?: unknown; arguments?: unknown } };
  return [c.id ?? null, c.function?.name ?? null, typeof c.function?.arguments === 'string' ? canonicalArguments(c.function.arguments) : (c.function?.arguments ?? null)];
}

/**
 * Arguments as parsed JSON, written again with every object's keys sorted: re-serialized arguments
 * match, whether the spacing changed (`{"a": 1}` / `{"a":1}`) or the key order (clients that keep
 * arguments as a map write them back sorted: Go maps, Rust's serde_json::Value, `sort_keys`).
 */
export function canonicalArguments(args: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    return args;
  }
  return JSON.stringify(sortKeys(parsed));
}

/**
 * Sorts the keys of every object in a value just parsed (so ours to change): in place where they
 * are in order already, the usual case. A walk costs ~3 µs on 5 KB of arguments, a
 * JSON.stringify replacer ~25 µs, and every tool call of the history is digested on each request.
 */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = sortKeys(value[i]);
    return value;
  }
  if (!value || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  let inOrder = true;
  for (let i = 1; i < keys.length && inOrder; i++) inOrder = keys[i - 1]! <= keys[i]!;
  if (inOrder) {
    for (const key of keys) {
      const child = record[key];
      if (child && typeof child === 'object') record[key] = sortKeys(child);
    }
    return record;
  }
  // No prototype: a `__proto__` key (JSON.parse makes it an own field) stays a field.
  const sorted = Object.create(null) as Record<string, unknown>;
  for (const key of keys.sort()) sorted[key] = sortKeys(record[key]);
  return sorted;
}
