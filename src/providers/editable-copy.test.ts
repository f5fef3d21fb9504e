import { describe, expect, it } from 'vitest';
import { editableCopy } from './editable-copy.js';

describe('editableCopy', () => {
  it('copies every field in order, and new fields go at the end', () => {
    const body = JSON.parse('{"model":"kimi","messages":[],"max_tokens":5}') as Record<string, unknown>;
    const copy = editableCopy(body);
    copy.model = 'kimi-k2.6';
    copy.max_completion_tokens = 5;
    expect(Object.keys(copy)).toEqual(['model', 'messages', 'max_tokens', 'max_completion_tokens']);
    expect(body.model).toBe('kimi');
  });

  it('keeps a "__proto__" field a field: the copy inherits nothing from the request', () => {
    const body = JSON.parse('{"model":"kimi","__proto__":{"stream":true,"polluted":1}}') as Record<string, unknown>;
    const copy = editableCopy(body);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(copy.stream).toBeUndefined();
    expect(JSON.stringify(copy)).toBe('{"model":"kimi","__proto__":{"stream":true,"polluted":1}}');
  });
});
