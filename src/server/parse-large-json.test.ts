import { describe, expect, it } from 'vitest';
import { LARGE_BODY_BYTES, parseLargeJson } from './parse-large-json.js';

/** A conversation of at least `bytes` bytes whose turns hold `turn`. */
function conversation(turn: string, bytes = LARGE_BODY_BYTES + 1): { model: string; messages: { role: string; content: string }[] } {
  const message = { role: 'user', content: turn };
  const count = Math.ceil(bytes / Buffer.byteLength(JSON.stringify(message)));
  return { model: 'kimi-k2.6', messages: Array.from({ length: count }, () => ({ ...message })) };
}

describe('parseLargeJson', () => {
  it('parses a long conversation in many scripts to what JSON.parse gives, and says how long its text is', () => {
    const body = conversation('The day’s catch — café, naïve, Grüße, 中文, русский, 😀 (four bytes) and 𝄞. ');
    const text = JSON.stringify(body);
    const got = parseLargeJson(Buffer.from(text));
    expect(got).toBeDefined();
    expect(got!.value).toEqual(body);
    expect(got!.length).toBe(text.length);
  });

  it('keeps escapes below U+0080 (quotes, newlines, control characters) with raw multi-byte text around them', () => {
    const body = conversation('line one\nline "two"\t\\ \u0001 é after\r\n中 ');
    const text = JSON.stringify(body);
    expect(text).toContain('\\u0001');
    const got = parseLargeJson(Buffer.from(text));
    expect(got?.value).toEqual(body);
    expect(got?.length).toBe(text.length);
  });

  it('numbers, booleans, nulls and nested arrays come through; strings in arrays are decoded too', () => {
    const body = { ...conversation('ü'.repeat(500)), tags: [['é', 1.5, true, null, { deep: ['ö'] }]], n: 1234567890123.5 };
    const got = parseLargeJson(Buffer.from(JSON.stringify(body)));
    expect(got?.value).toEqual(JSON.parse(JSON.stringify(body)));
  });

  it('leaves to the usual path what it cannot do exactly', () => {
    const multiByte = conversation('é ');
    // Too short, or ASCII: decoding those makes no large string.
    expect(parseLargeJson(Buffer.from(JSON.stringify({ content: 'é' })))).toBeUndefined();
    expect(parseLargeJson(Buffer.from(JSON.stringify(conversation('plain ascii '))))).toBeUndefined();
    // An escape at or above U+0080 would read like a raw byte.
    const escaped = JSON.stringify(multiByte).replace('é', '\\u00e9');
    expect(parseLargeJson(Buffer.from(escaped))).toBeUndefined();
    expect(parseLargeJson(Buffer.from(JSON.stringify(multiByte).replace('é', '\\u4e2d')))).toBeUndefined();
    // Not JSON: the usual path words the error.
    expect(parseLargeJson(Buffer.from(JSON.stringify(multiByte).slice(0, -1)))).toBeUndefined();
    // A key to decode, or a __proto__ member.
    expect(parseLargeJson(Buffer.from(JSON.stringify({ ...multiByte, clé: 1 })))).toBeUndefined();
    const proto = JSON.stringify(multiByte).replace('{"model"', '{"__proto__":"é","model"');
    expect(parseLargeJson(Buffer.from(proto))).toBeUndefined();
  });

  it('stops at the nesting limit instead of walking deeper (the usual path refuses the body)', () => {
    const deep = (levels: number): string => '['.repeat(levels) + ']'.repeat(levels);
    const padded = (levels: number): Buffer => Buffer.from(`{"pad":${JSON.stringify('é'.repeat(LARGE_BODY_BYTES))},"deep":${deep(levels - 1)}}`);
    expect(parseLargeJson(padded(128))).toBeDefined();
    expect(parseLargeJson(padded(129))).toBeUndefined();
  });

  it('a key given twice: the value JSON.parse keeps, and the length of the whole text (or the usual path)', () => {
    const pad = 'é'.repeat(40_000);
    for (const text of [`{"a":"${pad}","a":"x"}`, `{"a":"x","a":"${pad}"}`, `{"a":"${pad}","b":1,"a":"${pad}ü"}`]) {
      const got = parseLargeJson(Buffer.from(text));
      // Dropped text above U+007F would not be counted: that body goes the usual way.
      if (got !== undefined) expect(got).toEqual({ value: JSON.parse(text), length: text.length });
    }
    expect(parseLargeJson(Buffer.from(`{"a":"${pad}","a":"x"}`))).toBeUndefined();
    const droppedAscii = `{"a":"${'x'.repeat(100)}","a":"${pad}"}`;
    expect(parseLargeJson(Buffer.from(droppedAscii))).toEqual({ value: JSON.parse(droppedAscii), length: droppedAscii.length });
  });

  it('starts at one byte over 64 KB', () => {
    const sized = (bytes: number): Buffer => {
      const head = Buffer.from('{"a":"é","b":"');
      return Buffer.concat([head, Buffer.alloc(bytes - head.length - 2, 'x'), Buffer.from('"}')]);
    };
    expect(sized(LARGE_BODY_BYTES).length).toBe(LARGE_BODY_BYTES);
    expect(parseLargeJson(sized(LARGE_BODY_BYTES))).toBeUndefined();
    const over = sized(LARGE_BODY_BYTES + 1);
    expect(parseLargeJson(over)).toEqual({ value: JSON.parse(over.toString()), length: over.toString().length });
  });

  it('an escaped backslash before a u, next to raw text, is taken as it is (by the usual path)', () => {
    const body = conversation('C:\\users\\é\\u00e9 ');
    const text = JSON.stringify(body);
    expect(text).toContain('\\\\u00e9');
    expect(parseLargeJson(Buffer.from(text))).toBeUndefined();
    const plain = conversation('a\\b é \\ ');
    expect(parseLargeJson(Buffer.from(JSON.stringify(plain)))?.value).toEqual(plain);
  });

  it('a __proto__ member that needs no decoding stays an own member, the prototype untouched', () => {
    const multiByte = JSON.stringify(conversation('é '));
    for (const member of ['"__proto__":"ascii"', '"__proto__":{"x":"é"}', '"__proto__":["é"]']) {
      const text = multiByte.replace('{"model"', `{${member},"model"`);
      const got = parseLargeJson(Buffer.from(text))!;
      const expected = JSON.parse(text);
      expect(got.value).toEqual(expected);
      expect(Object.getPrototypeOf(got.value)).toBe(Object.prototype);
      expect(Object.hasOwn(got.value as object, '__proto__')).toBe(true);
      expect((got.value as Record<string, unknown>)['__proto__']).toEqual(expected['__proto__']);
      expect(got.length).toBe(text.length);
    }
  });

  it('a top-level array of conversations', () => {
    const list = [conversation('中文 '), conversation('ß ')];
    const text = JSON.stringify(list);
    expect(parseLargeJson(Buffer.from(text))).toEqual({ value: list, length: text.length });
  });

  it('a top-level string is decoded as well', () => {
    const s = 'ß'.repeat(LARGE_BODY_BYTES);
    expect(parseLargeJson(Buffer.from(JSON.stringify(s)))).toEqual({ value: s, length: s.length + 2 });
  });
});
