/**
 * A body's JSON text as its producer has it: the string, or the UTF-8 bytes with the length the
 * string would have (`text.length`). The second form lets a large request body be logged (cut to
 * `logging.max_body_kb`) without ever being decoded whole (see server/parse-large-json.ts).
 */
export type JsonText = string | { readonly bytes: Buffer; readonly length: number };

/** The text's size in UTF-8 bytes. */
export function byteSize(text: JsonText): number {
  return typeof text === 'string' ? Buffer.byteLength(text) : text.bytes.length;
}

/** The text as a string (decoded, for the bytes form). */
export function asString(text: JsonText): string {
  return typeof text === 'string' ? text : text.bytes.toString('utf8');
}

/**
 * The start of the text, about `chars` characters of it: exactly that for a string; for bytes,
 * that many bytes or fewer, ending on a whole character (so no more characters than asked).
 */
export function textStart(text: JsonText, chars: number): string {
  if (typeof text === 'string') return text.slice(0, chars);
  const { bytes } = text;
  let end = Math.min(chars, bytes.length);
  // Back to the first byte of a character: continuation bytes are 10xxxxxx.
  while (end > 0 && end < bytes.length && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.toString('utf8', 0, end);
}

/** Shorter texts stay strings: holding them as bytes saves too little to be worth the copy. */
const HOLD_AS_BYTES_FROM_CHARS = 4096;

/**
 * A text to hold for a while (a stream's request until its log record is built, a log record's
 * bodies until their batch is written), in its compact form. V8 keeps a string with any
 * character past U+00FF at two bytes per character (the `…` of a cut body is one), so a long
 * text is held as its UTF-8 bytes, never more than it will take to store, and outside V8's heap.
 */
export function textToHold(text: string): JsonText {
  return text.length < HOLD_AS_BYTES_FROM_CHARS ? text : { bytes: Buffer.from(text, 'utf8'), length: text.length };
}
