import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, nestedDeeperThan } from './json-nesting.js';

const nest = (levels: number, leaf: unknown = 1): unknown => {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = i % 2 === 0 ? [value] : { a: value };
  return value;
};

describe('nestedDeeperThan', () => {
  it('counts objects and arrays, not scalars', () => {
    expect(nestedDeeperThan('x', 0)).toBe(false);
    expect(nestedDeeperThan(null, 0)).toBe(false);
    expect(nestedDeeperThan({}, 0)).toBe(true);
    expect(nestedDeeperThan({}, 1)).toBe(false);
    expect(nestedDeeperThan({ a: [1, 'two', null] }, 2)).toBe(false);
    expect(nestedDeeperThan({ a: [1, { b: 2 }] }, 2)).toBe(true);
  });

  it('finds the deep branch among shallow ones, at the limit and one past it', () => {
    const shallow = { model: 'kimi', messages: [{ role: 'user', content: 'hi' }] };
    expect(nestedDeeperThan({ ...shallow, extra: nest(MAX_JSON_DEPTH - 1) })).toBe(false);
    expect(nestedDeeperThan({ ...shallow, extra: nest(MAX_JSON_DEPTH) })).toBe(true);
    expect(nestedDeeperThan([shallow, shallow, nest(MAX_JSON_DEPTH + 1)])).toBe(true);
  });

  it('does not overflow on values far deeper than the stack allows', () => {
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`) as unknown;
    expect(nestedDeeperThan(deep)).toBe(true);
  });
});
