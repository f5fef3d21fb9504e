import { isUtf8 } from 'node:buffer';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;

type Span = readonly [start: number, end: number];

/**
 * `after` as JSON bytes, where `raw` is the client's JSON text, `before` what it parsed to (or a
 * shallow copy of that with members left out) and `after` an edit of `before` that replaced what it
 * changed and never changed a value in place. Every value in `after` that is the very value parsed
 * from `raw` (===) is copied from `raw` byte for byte — number spellings such as `1.0` or integers
 * past 2^53 included — and only the edited parts are serialized. For a long conversation whose
 * messages a provider left alone, that is a fraction of the cost of JSON.stringify plus encoding.
 *
 * Objects are written in `after`'s key order, members that are undefined left out, as
 * JSON.stringify would. Returns undefined when the bytes cannot be used plainly (not UTF-8; an
 * object on the way to an edit with a key spelled with escapes or given twice, where which of
 * the two JSON.parse kept would be guesswork) and the caller serializes `after` instead.
 */
export function serializeEdited(raw: Buffer, before: unknown, after: unknown): Buffer | undefined {
  if (!isUtf8(raw)) return undefined;
  const start = skipSpace(raw, 0);
  const parts: (Buffer | string)[] = [];
  if (!write(raw, [start, valueEnd(raw, start)], before, after, parts)) return undefined;
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
}

function write(raw: Buffer, span: Span, before: unknown, after: unknown, parts: (Buffer | string)[]): boolean {
  if (after === before) {
    parts.push(raw.subarray(span[0], span[1]));
    return true;
  }
  if (isObject(before) && isObject(after) && raw[span[0]] === OPEN_BRACE) {
    const members = memberSpans(raw, span[0]);
    if (members === undefined) return false;
    parts.push('{');
    let first = true;
    for (const key of Object.keys(after)) {
      const value = after[key];
      if (value === undefined || typeof value === 'function' || typeof value === 'symbol') continue;
      parts.push(first ? `${JSON.stringify(key)}:` : `,${JSON.stringify(key)}:`);
      first = false;
      const member = Object.hasOwn(before, key) ? members.get(key) : undefined;
      if (member === undefined) parts.push(JSON.stringify(value));
      else if (!write(raw, member, before[key], value, parts)) return false;
    }
    parts.push('}');
    return true;
  }
  if (Array.isArray(before) && Array.isArray(after) && raw[span[0]] === OPEN_BRACKET) {
    const elements = elementSpans(raw, span[0]);
    if (elements.length !== before.length) return false;
    parts.push('[');
    for (let i = 0; i < after.length; i++) {
      if (i > 0) parts.push(',');
      if (i >= elements.length) parts.push(JSON.stringify(after[i]) ?? 'null');
      else if (!write(raw, elements[i]!, before[i], after[i], parts)) return false;
    }
    parts.push(']');
    return true;
  }
  parts.push(JSON.stringify(after) ?? 'null');
  return true;
}

/** An object's members: key → the span of its value; undefined if a key has escapes or repeats. */
function memberSpans(raw: Buffer, open: number): Map<string, Span> | undefined {
  const members = new Map<string, Span>();
  let i = skipSpace(raw, open + 1);
  while (raw[i] === QUOTE) {
    const keyEnd = stringEnd(raw, i);
    const key = raw.toString('utf8', i + 1, keyEnd - 1);
    if (key.includes('\\') || members.has(key)) return undefined;
    i = skipSpace(raw, keyEnd);
    if (raw[i] !== COLON) return undefined;
    const start = skipSpace(raw, i + 1);
    const end = valueEnd(raw, start);
    members.set(key, [start, end]);
    i = skipSpace(raw, end);
    if (raw[i] !== COMMA) break;
    i = skipSpace(raw, i + 1);
  }
  return members;
}

function elementSpans(raw: Buffer, open: number): Span[] {
  const elements: Span[] = [];
  let i = skipSpace(raw, open + 1);
  while (i < raw.length && raw[i] !== CLOSE_BRACKET) {
    const end = valueEnd(raw, i);
    elements.push([i, end]);
    i = skipSpace(raw, end);
    if (raw[i] !== COMMA) break;
    i = skipSpace(raw, i + 1);
  }
  return elements;
}

/** The index just past the value that starts at `start`: a string, an object, an array or a literal. */
function valueEnd(raw: Buffer, start: number): number {
  const first = raw[start];
  if (first === QUOTE) return stringEnd(raw, start);
  let i = start;
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET) {
    while (i < raw.length && !isSpace(raw[i]!) && raw[i] !== COMMA && raw[i] !== CLOSE_BRACE && raw[i] !== CLOSE_BRACKET) i++;
    return i;
  }
  // Only the structure between strings is read byte by byte; strings, where a conversation's
  // bulk is, are skipped with indexOf.
  let depth = 0;
  while (i < raw.length) {
    const byte = raw[i]!;
    if (byte === QUOTE) {
      i = stringEnd(raw, i);
      continue;
    }
    if (byte === OPEN_BRACE || byte === OPEN_BRACKET) depth++;
    else if ((byte === CLOSE_BRACE || byte === CLOSE_BRACKET) && --depth === 0) return i + 1;
    i++;
  }
  return i;
}

/** The index just past the string whose opening quote is at `start`. */
function stringEnd(raw: Buffer, start: number): number {
  let at = start + 1;
  for (;;) {
    const quote = raw.indexOf(QUOTE, at);
    if (quote < 0) return raw.length;
    let backslashes = 0;
    while (raw[quote - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    at = quote + 1;
  }
}

function skipSpace(raw: Buffer, from: number): number {
  let i = from;
  while (i < raw.length && isSpace(raw[i]!)) i++;
  return i;
}

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The body to send upstream for `after`, a provider's edit of `before`: the client's own bytes
 * where they still hold (see serializeEdited), JSON.stringify where there are none to use.
 */
export function bodyToSend(clientBody: Buffer | undefined, before: unknown, after: unknown): Buffer | string {
  return (clientBody && serializeEdited(clientBody, before, after)) ?? JSON.stringify(after);
}
