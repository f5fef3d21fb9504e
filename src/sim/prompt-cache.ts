import { createHash } from 'node:crypto';
import { messageTokens, REPLY_PRIMING, textTokens } from './estimate-tokens.js';

const MAX_ENTRIES = 50_000;

/**
 * Imitates K2+ automatic prefix caching so clients see realistic `cached_tokens`: a request whose
 * leading messages (same model, same tools) were sent before gets those messages' tokens as cached.
 * Prefix hashes are chained, so the work stays linear in the body size.
 */
export class PromptCache {
  private readonly seen = new Map<string, number>();

  /** Returns the cached token count for this prompt, then remembers its prefixes for later requests. */
  lookupAndStore(model: string, messages: unknown[], tools: unknown): number {
    let hash = createHash('sha1').update(model).update(Array.isArray(tools) ? JSON.stringify(tools) : '').digest('hex');
    let tokens = REPLY_PRIMING + (Array.isArray(tools) && tools.length > 0 ? textTokens(JSON.stringify(tools)) : 0);
    let cached = 0;
    const prefixes: Array<[string, number]> = [];
    for (const m of messages) {
      hash = createHash('sha1').update(hash).update(JSON.stringify(m) ?? '').digest('hex');
      tokens += messageTokens(m);
      if (this.seen.has(hash)) cached = tokens;
      prefixes.push([hash, tokens]);
    }
    if (this.seen.size + prefixes.length > MAX_ENTRIES) this.seen.clear();
    for (const [h, t] of prefixes) this.seen.set(h, t);
    return cached;
  }

  clear(): void {
    this.seen.clear();
  }
}
