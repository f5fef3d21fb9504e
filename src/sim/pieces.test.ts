import { describe, expect, it } from 'vitest';
import { splitPieces } from './pieces.js';

describe('splitPieces', () => {
  it('splits JSON arguments the way the live kimi-k2.5 stream did', () => {
    expect(splitPieces('{"location": "San Francisco"}')).toEqual(['{"', 'location', '":', ' "', 'San', ' Francisco', '"}']);
  });

  it('round-trips any text', () => {
    for (const text of ['The user is asking.', '  leading and trailing  ', '你好，世界！ ok', '', 'a\n\nb']) {
      expect(splitPieces(text).join('')).toBe(text);
    }
  });
});
