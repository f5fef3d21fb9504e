import { asString, byteSize, textStart, type JsonText } from './json-text.js';
import { forEachString, mapStrings } from './map-json.js';

// Strings are never cut shorter than this: a few words of each field say more than fewer fields.
const MIN_KEPT_CHARS = 32;
const MARKER_ALLOWANCE = 24;

/**
 * Serializes a body to at most `maxBytes`, keeping it valid JSON with its structure: the longest
 * strings are shortened first (to a common length, each ending in `…[truncated N chars]`). When
 * even that cannot fit (thousands of small fields), the body becomes
 * `{"_truncated": true, "original_bytes": N, "preview": "<the start of the JSON>"}`.
 * `json` is the value as JSON text when the caller has it (saves serializing it once more); a
 * body cut to size is never decoded whole.
 */
export function fitToSize(value: unknown, maxBytes: number, json: JsonText = JSON.stringify(value) ?? 'null'): string {
  const size = byteSize(json);
  if (size <= maxBytes) return asString(json);

  const lengths: number[] = [];
  forEachString(value, (s) => lengths.push(s.length));
  // The estimate works in characters; scale the byte budget by this body's bytes per character.
  let cap = largestCapThatFits(lengths, json.length, Math.floor((maxBytes * json.length) / size));
  for (let tries = 0; cap !== undefined && cap >= MIN_KEPT_CHARS && tries < 8; tries++) {
    const capped = JSON.stringify(capStrings(value, cap));
    const cappedSize = Buffer.byteLength(capped);
    if (cappedSize <= maxBytes) return capped;
    // Characters are not bytes (escapes, multi-byte text): shrink by the overshoot and retry.
    cap = Math.floor((cap * maxBytes) / cappedSize) - 1;
  }
  return stub(json, size, maxBytes);
}

function capStrings(value: unknown, cap: number): unknown {
  return mapStrings(value, (s) => (s.length > cap ? `${s.slice(0, cap)}…[truncated ${s.length - cap} chars]` : s));
}

/** The largest per-string length (chars) at which the estimated size (chars) fits, by binary search. */
function largestCapThatFits(lengths: number[], size: number, budget: number): number | undefined {
  const saved = (cap: number): number => lengths.reduce((sum, len) => (len > cap ? sum + len - cap - MARKER_ALLOWANCE : sum), 0);
  let lo = MIN_KEPT_CHARS;
  // A loop, not Math.max(...lengths): a body of a few hundred thousand strings overflows the stack.
  let hi = 0;
  for (const len of lengths) if (len > hi) hi = len;
  if (hi <= lo || size - saved(lo) > budget) return undefined;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (size - saved(mid) <= budget) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function stub(json: JsonText, size: number, maxBytes: number): string {
  let previewChars = Math.max(0, maxBytes - 80);
  for (;;) {
    const out = JSON.stringify(previewChars > 0 ? { _truncated: true, original_bytes: size, preview: textStart(json, previewChars) } : { _truncated: true, original_bytes: size });
    if (Buffer.byteLength(out) <= maxBytes || previewChars === 0) return out;
    previewChars = Math.floor(previewChars / 2);
  }
}
