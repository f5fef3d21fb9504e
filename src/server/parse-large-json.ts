import { isAscii } from 'node:buffer';
import { MAX_JSON_DEPTH } from './json-nesting.js';

/**
 * Bodies longer than this, if not plain ASCII, are parsed by `parseLargeJson`. Decoded the usual
 * way, one of them becomes a string of more than 64K characters with some above U+00FF, so of
 * over 128 KB of UTF-16: V8 gives each such string fresh pages of its own (its large-object
 * space) and returns them at the next collection. Where the first touch of a page is slow (13 µs
 * a page on the benchmark's VM, against well under 1 µs on bare metal), decoding 100 KB of
 * English with a few curly quotes took 1.1–1.6 ms, and 10 KB 25 µs.
 */
export const LARGE_BODY_BYTES = 64 * 1024;

/** A character that is one byte of a multi-byte UTF-8 sequence, read as Latin-1. */
const NOT_ASCII = /[\u0080-\u00ff]/;

/**
 * Parses a large JSON body of valid UTF-8 (checked by the caller) without decoding it into one
 * string: the bytes are read as Latin-1, one character a byte, which stays below the 128 KB of a
 * large object up to 128 KB of body, and JSON.parse runs on that. JSON's own syntax is ASCII, so
 * the bytes of every multi-byte character land inside a string value, whole and in order; each
 * string holding some is decoded again as UTF-8 on its own (a message's worth, not the body).
 *
 * Returns the value and the length the body's text would have had (in UTF-16 units, as
 * `text.length`), or undefined when this path does not apply and the caller decodes as usual:
 * - the body is short, or ASCII (decoding those makes no large string);
 * - it has a `\u` escape of U+0080 or above: that character would be indistinguishable from a raw
 *   byte after the Latin-1 read;
 * - it does not parse (the usual path words the error), or nests deeper than MAX_JSON_DEPTH (the
 *   usual path refuses it);
 * - it has a non-ASCII key, a `__proto__` member to decode, or a key given twice whose dropped
 *   value held non-ASCII text (rare enough to leave to the usual path).
 */
export function parseLargeJson(bytes: Buffer): { value: unknown; length: number } | undefined {
  if (bytes.length <= LARGE_BODY_BYTES || isAscii(bytes) || hasEscapeBeyondAscii(bytes)) return undefined;
  const latin1 = bytes.toString('latin1');
  let value: unknown;
  try {
    value = JSON.parse(latin1);
  } catch {
    return undefined;
  }
  const walk: Walk = { shrunk: 0, highBytes: 0 };
  if (typeof value === 'string') value = decode(value, walk);
  else if (!decodeStringsIn(value, walk, 1)) return undefined;
  // Every byte above 0x7F must have been in a string the walk decoded. One that was not stood in a
  // value JSON.parse dropped (a key given twice keeps its last value), and the length would be off.
  if (walk.highBytes !== highBytesIn(latin1)) return undefined;
  return { value, length: bytes.length - walk.shrunk };
}

/** What decoding took off the text's length, and how many bytes above 0x7F it decoded. */
interface Walk {
  shrunk: number;
  highBytes: number;
}

/** Characters above U+007F in a one-byte string: each is two bytes in UTF-8, one in Latin-1. */
function highBytesIn(latin1: string): number {
  return Buffer.byteLength(latin1, 'utf8') - latin1.length;
}

/** Whether `bytes` hold `\u` followed by four hex digits naming U+0080 or above. */
function hasEscapeBeyondAscii(bytes: Buffer): boolean {
  for (let at = bytes.indexOf('\\u'); at !== -1; at = bytes.indexOf('\\u', at + 2)) {
    // An escaped backslash followed by `u` is caught too: harmless, the usual path then runs.
    const code = Number.parseInt(bytes.toString('latin1', at + 2, at + 6), 16);
    if (!(code < 0x80)) return true;
  }
  return false;
}

/** A string as JSON.parse read it from Latin-1, decoded as the UTF-8 it was. */
function decode(s: string, walk: Walk): string {
  if (!NOT_ASCII.test(s)) return s;
  const decoded = Buffer.from(s, 'latin1').toString('utf8');
  walk.shrunk += s.length - decoded.length;
  walk.highBytes += highBytesIn(s);
  return decoded;
}

/**
 * Decodes, in place, every string in a container just parsed (nobody else holds it yet). False to
 * give up (see parseLargeJson). Depth counts as in `nestedDeeperThan`: `{}` is one level.
 */
function decodeStringsIn(container: unknown, walk: Walk, depth: number): boolean {
  if (typeof container !== 'object' || container === null) return true;
  if (depth > MAX_JSON_DEPTH) return false;
  if (Array.isArray(container)) {
    for (let i = 0; i < container.length; i++) {
      const item: unknown = container[i];
      if (typeof item === 'string') container[i] = decode(item, walk);
      else if (!decodeStringsIn(item, walk, depth + 1)) return false;
    }
    return true;
  }
  const record = container as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (NOT_ASCII.test(key)) return false;
    const item = record[key];
    if (typeof item === 'string') {
      const decoded = decode(item, walk);
      if (decoded === item) continue;
      // Assigning to `__proto__` would set the prototype, not the member.
      if (key === '__proto__') return false;
      record[key] = decoded;
    } else if (!decodeStringsIn(item, walk, depth + 1)) return false;
  }
  return true;
}
