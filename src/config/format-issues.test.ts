import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { addIssues, describeKind, isSecretPath, parseWith } from './format-issues.js';
import { ProblemList, formatPath } from './problems.js';

function messages(schema: z.ZodType, value: unknown, prefix: (string | number)[] = []): string[] {
  const problems = new ProblemList();
  parseWith(schema, value, prefix, problems);
  return problems.items.map((p) => `${formatPath(p.path)}: ${p.message}`);
}

describe('describeKind', () => {
  it('names values in YAML words', () => {
    expect([null, [], {}, 'x', 1, true].map(describeKind)).toEqual(['null', 'a list', 'a map', 'a string', 'a number', 'true/false']);
  });
});

describe('parseWith / addIssues', () => {
  it('returns the parsed value when valid and adds nothing', () => {
    const problems = new ProblemList();
    expect(parseWith(z.object({ a: z.number() }), { a: 1 }, ['x'], problems)).toEqual({ a: 1 });
    expect(problems.size).toBe(0);
  });

  it('prefixes issue paths', () => {
    expect(messages(z.object({ a: z.number() }), { a: 'x' }, ['router', 'cooldown'])).toEqual([
      'router.cooldown.a: must be a number (got a string)',
    ]);
  });

  it('never echoes an enum mismatch at a secret key', () => {
    expect(messages(z.object({ api_key: z.enum(['a', 'b']) }), { api_key: 'sk-secret' })).toEqual(['api_key: must be "a" or "b"']);
    expect(messages(z.object({ mode: z.enum(['a', 'b']) }), { mode: 'c' })).toEqual(['mode: must be "a" or "b" (got "c")']);
  });

  it('describes array and union problems', () => {
    expect(messages(z.array(z.string()).min(1), [], ['models'])).toEqual(['models: must have at least 1 item']);
    expect(messages(z.array(z.string()).max(1), ['a', 'b'], ['x'])).toEqual(['x: must have at most 1 items']);
    expect(messages(z.union([z.string(), z.number()]), true, ['u'])).toEqual(['u: has an invalid value']);
  });

  it('reports unknown keys without known-keys information as a plain unknown key', () => {
    const problems = new ProblemList();
    const result = z.strictObject({ a: z.number() }).safeParse({ a: 1, b: 2 });
    addIssues(result.error!.issues, ['top'], problems);
    expect(problems.items).toEqual([{ path: ['top', 'b'], message: 'unknown key' }]);
  });

  it('knows which paths are secret', () => {
    expect(isSecretPath(['providers', 'x', 'api_key'])).toBe(true);
    expect(isSecretPath(['providers', 'x', 'base_url'])).toBe(false);
  });
});
