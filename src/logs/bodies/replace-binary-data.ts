import { mapStrings, someString } from './map-json.js';

const DATA_URL = /^data:([a-z0-9.+-]+\/[a-z0-9.+-]+)?((?:;[^;,]*)*?)(;base64)?,/i;
// Long runs of base64 with nothing else in them are file contents (images, audio, PDFs sent
// inline by providers that take raw base64), never prose.
const RAW_BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
const RAW_BASE64_MIN_CHARS = 512;

/**
 * Images and other inline files become a short placeholder with their type and size, so logs
 * keep the shape of a vision request without megabytes of base64.
 */
export function replaceBinaryData(value: unknown): unknown {
  // Most bodies hold no inline file: a walk that copies nothing finds that out, and the body is
  // kept as it is instead of being copied string by string (the copy is most of the cost).
  if (!someString(value, isBinaryData)) return value;
  return mapStrings(value, binaryPlaceholder);
}

/**
 * Whether JSON text may hold a string `replaceBinaryData` would replace: a `data:` URL, a long
 * base64 run, or escapes that could hide either. False means the text can be kept as it is.
 */
export function mayHoldBinaryData(json: string): boolean {
  // `\u0064ata:` is `data:`, and `\/` can split a base64 run; other escapes hide neither.
  if (json.includes('\\u') || json.includes('\\/')) return true;
  if (/data:/i.test(json)) return true;
  return hasLongBase64Run(json);
}

/**
 * Whether `text` holds RAW_BASE64_MIN_CHARS base64 characters in a row. Every such run covers one
 * of the positions n-1, 2n-1, 3n-1, … (n = the minimum), so only the runs through those positions
 * are measured: in prose a word or two each, instead of a look at every character.
 */
export function hasLongBase64Run(text: string): boolean {
  const n = RAW_BASE64_MIN_CHARS;
  for (let p = n - 1; p < text.length; p += n) {
    if (!isBase64Char(text.charCodeAt(p))) continue;
    let start = p;
    while (start > 0 && isBase64Char(text.charCodeAt(start - 1))) start--;
    let end = p + 1;
    while (end < text.length && isBase64Char(text.charCodeAt(end))) end++;
    if (end - start >= n) return true;
  }
  return false;
}

function isBase64Char(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f || c === 0x5f || c === 0x2d;
}

function isBinaryData(s: string): boolean {
  return binaryPlaceholder(s) !== s;
}

export function binaryPlaceholder(s: string): string {
  if (s.length >= 5 && (s.charCodeAt(0) | 0x20) === 0x64 /* d */ && s.slice(0, 5).toLowerCase() === 'data:') {
    const match = DATA_URL.exec(s);
    if (match) {
      const mime = (match[1] ?? 'text/plain').toLowerCase();
      const payload = s.length - match[0].length;
      const bytes = match[3] ? base64Bytes(s, match[0].length) : payload;
      return `[${mime.startsWith('image/') ? 'image' : 'file'} ${mime}, ${bytes} bytes]`;
    }
  }
  if (s.length >= RAW_BASE64_MIN_CHARS && RAW_BASE64.test(s)) return `[base64 data, ${base64Bytes(s, 0)} bytes]`;
  return s;
}

/** Decoded size of the base64 text from `start` on. */
function base64Bytes(s: string, start: number): number {
  let length = s.length - start;
  let padding = 0;
  while (length > 0 && s.charCodeAt(start + length - 1 - padding) === 0x3d /* = */ && padding < 2) padding++;
  length -= padding;
  return Math.floor((length * 3) / 4);
}
