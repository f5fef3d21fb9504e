import { describe, expect, it } from 'vitest';
import { ConfigError, ProblemList, formatPath, orList, suggestKey, unknownKeyMessage } from './problems.js';

describe('formatPath', () => {
  it('joins keys with dots and indexes with brackets', () => {
    expect(formatPath(['providers', 'moonshot', 'credentials', 1, 'region'])).toBe('providers.moonshot.credentials[1].region');
  });
  it('quotes keys that are not plain words', () => {
    expect(formatPath(['pricing', 'moonshot/kimi-k2.6', 'input'])).toBe('pricing["moonshot/kimi-k2.6"].input');
    expect(formatPath(['providers', 'together.ai'])).toBe('providers["together.ai"]');
  });
  it('is empty for the root', () => {
    expect(formatPath([])).toBe('');
  });
});

describe('ProblemList', () => {
  it('collects problems in order', () => {
    const list = new ProblemList();
    list.add(['a'], 'one');
    list.add(['b', 0], 'two');
    expect(list.items).toEqual([
      { path: ['a'], message: 'one' },
      { path: ['b', 0], message: 'two' },
    ]);
    expect(list.size).toBe(2);
  });
  it('drops later problems at or under a suppressed path', () => {
    const list = new ProblemList();
    list.addAndSuppress(['server', 'port'], 'environment variable PORT is not set');
    list.add(['server', 'port'], 'must be a number');
    list.add(['server', 'port', 'x'], 'deeper');
    list.add(['server', 'host'], 'other');
    expect(list.items.map((p) => p.message)).toEqual(['environment variable PORT is not set', 'other']);
  });
});

describe('suggestKey', () => {
  const known = ['retries', 'timeout_ms', 'first_token_timeout_ms', 'cooldown'];
  it('finds a close typo', () => {
    expect(suggestKey('retires', known)).toBe('retries');
    expect(suggestKey('prot', ['host', 'port'])).toBe('port');
    expect(suggestKey('first_token_timout_ms', known)).toBe('first_token_timeout_ms');
  });
  it('matches case-insensitively and by prefix', () => {
    expect(suggestKey('Cooldown', known)).toBe('cooldown');
    expect(suggestKey('timeout', known)).toBe('timeout_ms');
  });
  it('gives nothing for an unrelated key', () => {
    expect(suggestKey('banana', known)).toBeUndefined();
  });
});

describe('unknownKeyMessage', () => {
  it('suggests or lists the known keys', () => {
    expect(unknownKeyMessage('regoin', ['name', 'region'])).toBe('unknown key (did you mean "region"?)');
    expect(unknownKeyMessage('zzzzzz', ['name', 'region'])).toBe('unknown key (expected one of: name, region)');
  });
});

describe('orList', () => {
  it('joins with commas and "or"', () => {
    expect(orList(['"a"'])).toBe('"a"');
    expect(orList(['"a"', '"b"'])).toBe('"a" or "b"');
    expect(orList(['"a"', '"b"', '"c"'])).toBe('"a", "b" or "c"');
  });
});

describe('ConfigError', () => {
  it('has one line per problem and keeps them as a list', () => {
    const err = new ConfigError(['f:1:1: a: one', 'f:2:1: b: two']);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('ConfigError');
    expect(err.message).toBe('f:1:1: a: one\nf:2:1: b: two');
    expect(err.problems).toHaveLength(2);
    expect(new ConfigError('single').problems).toEqual(['single']);
  });
});
