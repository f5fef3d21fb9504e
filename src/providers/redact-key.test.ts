import { describe, expect, it } from 'vitest';
import { redactKey } from './redact-key.js';

describe('redactKey', () => {
  it('blanks the key out, keeping its last four characters', () => {
    expect(redactKey('Incorrect API key provided: sk-secret-5678.', 'sk-secret-5678')).toBe('Incorrect API key provided: [key …5678].');
  });

  it('never puts the key back through replacement patterns in it', () => {
    expect(redactKey('Incorrect API key provided: sk-Secret-Key-9$&z.', 'sk-Secret-Key-9$&z')).toBe('Incorrect API key provided: [key …9$&z].');
  });

  it('finds the key as JSON text escapes it, and trimmed as HTTP sends it', () => {
    const key = 'sk-q"uote\\back/wxyz';
    expect(redactKey(JSON.stringify({ error: { message: `bad key ${key}` } }), key)).not.toContain('uote');
    expect(redactKey('{"message":"bad key sk-a\\/b-wxyz12"}', 'sk-a/b-wxyz12')).toBe('{"message":"bad key [key …yz12]"}');
    expect(redactKey('Incorrect API key provided: sk-tabbed-key-0000.', 'sk-tabbed-key-0000\t')).toBe('Incorrect API key provided: [key …0000].');
    expect(redactKey('bad key sk-abc1', 'sk-abc1')).toBe('bad key [key …abc1]');
  });

  it('leaves text alone without a key, or with one too short to be one', () => {
    expect(redactKey('a key', undefined)).toBe('a key');
    expect(redactKey('a key', 'key')).toBe('a key');
  });
});
