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
