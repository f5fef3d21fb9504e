import { describe, expect, it } from 'vitest';
import { suggestKey } from '../config/problems.js';
import { MAX_SUGGESTED_FIELD_CHARS, suggestField } from './suggest-field.js';

describe('suggestField', () => {
  const known = ['name', 'rpm', 'prompt_tokens'];

  it('names the field meant for a misspelt one, as suggestKey does', () => {
    expect(suggestField('nmae', known)).toBe('name');
    expect(suggestField('rmp', known)).toBe('rpm');
    expect(suggestField('banana', known)).toBeUndefined();
  });

  it(`guesses for a field of up to ${MAX_SUGGESTED_FIELD_CHARS} characters and none past it, where suggestKey still would`, () => {
    // `prompt_tokens` is a prefix of both: suggestKey matches them at any length.
    const longest = 'prompt_tokens'.padEnd(MAX_SUGGESTED_FIELD_CHARS, 'x');
    const tooLong = `${longest}x`;
    expect(suggestField(longest, known)).toBe('prompt_tokens');
    expect(suggestField(tooLong, known)).toBeUndefined();
    expect(suggestKey(tooLong, known)).toBe('prompt_tokens');
  });

  it('answers a megabyte-long field at once', () => {
    const started = performance.now();
    expect(suggestField('k'.repeat(1_000_000), known)).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(200);
  });
});
