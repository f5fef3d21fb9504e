import { fitToSize } from './fit-to-size.js';
import { asString, byteSize, type JsonText } from './json-text.js';
import { redactContents } from './redact-contents.js';
import { mayHoldBinaryData, replaceBinaryData } from './replace-binary-data.js';

export type BodyMode = 'full' | 'redacted' | 'off';

export interface BodyPolicy {
  mode: BodyMode;
  /** Serialized bodies longer than this are shortened (`logging.max_body_kb` × 1024). */
  maxBytes: number;
}

/**
 * A body as it is stored: per `logging.bodies`, images replaced, size-capped; null when not kept.
 * `text` is the same body as JSON text, when at hand: kept as it is if nothing would change it
 * (bodies in full, under the cap, no inline file), which saves serializing it again.
 */
export function prepareBody(body: unknown, policy: BodyPolicy, text?: JsonText): string | null {
  if (policy.mode === 'off' || body === undefined || body === null) return null;
  if (text !== undefined && policy.mode === 'full' && text.length <= policy.maxBytes && byteSize(text) <= policy.maxBytes) {
    const kept = asString(text);
    if (!mayHoldBinaryData(kept)) return kept;
  }
  // Redacted: inline files are replaced in the same pass as content is redacted, so that only the
  // placeholders made here survive it (see redactContents).
  const value = policy.mode === 'redacted' ? redactContents(body) : replaceBinaryData(body);
  // Nothing replaced or redacted: the text is still this body's JSON (a long conversation over the cap).
  return fitToSize(value, policy.maxBytes, value === body ? text : undefined);
}
