import { createHash } from 'node:crypto';
import { canonicalArguments } from './conversation-digest.js';

/** A tool call as it identifies an assistant turn: Moonshot ids (`get_weather:0`) repeat across conversations. */
export interface ToolCallRef {
  id: string;
  name: string;
  arguments: string;
}

/**
 * Remembers the reasoning behind assistant turns that called tools, so it can be put back when a
 * client sends the history without it. Async so a shared store (Redis) can implement it later.
 */
export interface ReasoningMemory {
  /** `before`: the digest of the messages before the turn (conversation-digest.ts). */
  remember(scope: string, before: string, toolCalls: ToolCallRef[], reasoning: string): Promise<void>;
  recall(scope: string, before: string, toolCalls: ToolCallRef[]): Promise<string | undefined>;
}

/**
 * The key covers the caller, the conversation before the turn, and every call's id, name and
 * arguments. The caller scope keeps one tenant's reasoning out of another's prompts; the
 * conversation keeps one user's out of another's behind the same key, and one turn's out of an
 * earlier turn that made the same call. Arguments are compared as parsed JSON so re-serialized
 * arguments still match. The calls count as a set, not a list: clients that run parallel calls
 * concurrently often rebuild the assistant message from their own records (by name, by completion
 * order), and the turn is the same turn whatever order its calls come back in.
 */
export function reasoningKey(scope: string, before: string, toolCalls: ToolCallRef[]): string {
  const hash = createHash('sha256');
  hash.update(scope);
  hash.update('\0');
  hash.update(before);
  const calls = toolCalls.map((call) => `${call.id.length}:${call.id}\0${call.name.length}:${call.name}\0${canonicalArguments(call.arguments)}`);
  // One call (the common case) needs no sorting.
  if (calls.length > 1) calls.sort();
  for (const call of calls) {
    hash.update('\0');
    hash.update(call);
  }
  return hash.digest('base64url');
}

interface Entry {
  reasoning: string;
  expiresAt: number;
}

export interface InMemoryReasoningMemoryOptions {
  maxEntries?: number;
  /** Upper bound on stored reasoning text, in UTF-16 code units. */
  maxChars?: number;
  ttlMs?: number;
  now?: () => number;
}

/** Bounded by entries, total size and age; the least recently used entry goes first. */
export class InMemoryReasoningMemory implements ReasoningMemory {
  private readonly entries = new Map<string, Entry>();
  private chars = 0;
  private readonly maxEntries: number;
  private readonly maxChars: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: InMemoryReasoningMemoryOptions = {}) {
    this.maxEntries = options.maxEntries ?? 20_000;
    this.maxChars = options.maxChars ?? 64 * 1024 * 1024;
    this.ttlMs = options.ttlMs ?? 6 * 60 * 60 * 1000;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  async remember(scope: string, before: string, toolCalls: ToolCallRef[], reasoning: string): Promise<void> {
    if (toolCalls.length === 0 || reasoning === '' || reasoning.length > this.maxChars) return;
    const key = reasoningKey(scope, before, toolCalls);
    this.delete(key);
    this.entries.set(key, { reasoning, expiresAt: this.now() + this.ttlMs });
    this.chars += reasoning.length;
    this.evict();
  }

  async recall(scope: string, before: string, toolCalls: ToolCallRef[]): Promise<string | undefined> {
    const key = reasoningKey(scope, before, toolCalls);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.delete(key);
      return undefined;
    }
    // Re-insert to mark as recently used.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.reasoning;
  }

  private delete(key: string): void {
    const old = this.entries.get(key);
    if (!old) return;
    this.chars -= old.reasoning.length;
    this.entries.delete(key);
  }

  private evict(): void {
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries && this.chars <= this.maxChars) break;
      this.delete(key);
    }
  }
}
