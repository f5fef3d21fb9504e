import { describe, expect, it } from 'vitest';
import { keyMayUse, modelAllowed } from './model-globs.js';

describe('keyMayUse', () => {
  it('takes a bare Moonshot id and its moonshot/ form as one model, either way round (a key given `kimi-k2.6` was refused `moonshot/kimi-k2.6`)', () => {
    expect(keyMayUse(['kimi-k2.6'], 'kimi-k2.6')).toBe(true);
    expect(keyMayUse(['kimi-k2.6'], 'moonshot/kimi-k2.6')).toBe(true);
    expect(keyMayUse(['moonshot/kimi-k2.6'], 'kimi-k2.6')).toBe(true);
    expect(keyMayUse(['kimi-*'], 'moonshot/kimi-k2.6')).toBe(true);
    expect(keyMayUse(['kimi-k2.6'], 'moonshot/kimi-k3')).toBe(false);
    // Only the provider the bare name stands for: another provider's model of that name is another model.
    expect(keyMayUse(['kimi-k2.6'], 'openai/kimi-k2.6')).toBe(false);
    expect(keyMayUse(['gpt-4o'], 'openai/gpt-4o')).toBe(false);
  });
});

describe('modelAllowed', () => {
  it('matches in time linear in the name whatever the glob: a caller’s model name cannot stall the gateway', () => {
    // As a regular expression, `^.*a.*a…b$` backtracks through every way to split the name: this
    // took 0.4 s, seven stars on 60 characters 5 s, and a model name may have 256 (minutes on end).
    const started = performance.now();
    expect(modelAllowed(['*a'.repeat(5) + '*b'], ['a'.repeat(60)])).toBe(false);
    expect(performance.now() - started).toBeLessThan(50);
    // Linear, so the longest names and most stars are nothing.
    expect(modelAllowed(['*a'.repeat(40) + '*b'], ['a'.repeat(256)])).toBe(false);
    expect(modelAllowed(['*-*-*-*-*-*-*-*-*-*x'], ['-'.repeat(256)])).toBe(false);
    expect(performance.now() - started).toBeLessThan(50);
  });

  it('gives * any run of characters (none too) and ? exactly one, and nothing else a meaning', () => {
    const cases: [string, string, boolean][] = [
      ['*', '', true],
      ['*', 'anything/at-all', true],
      ['moonshot/*', 'moonshot/kimi-k2.6', true],
      ['moonshot/*', 'openai/gpt-4o', false],
      ['*/kimi-*', 'moonshot/kimi-k2.6', true],
      ['kimi-k2.?', 'kimi-k2.6', true],
      ['kimi-k2.?', 'kimi-k2.60', false],
      ['kimi-k2.?', 'kimi-k2.', false],
      ['a*b*c', 'abc', true],
      ['a*b*c', 'aXbYc', true],
      ['a*b*c', 'aXbYcZ', false],
      ['a*b*c', 'acb', false],
      ['*a*a', 'aaa', true],
      ['*ab', 'aab', true],
      ['a.b', 'axb', false],
      ['a.b', 'a.b', true],
      ['[ab]', 'a', false],
      ['[ab]', '[ab]', true],
      ['x+', 'xx', false],
      ['**', 'x', true],
      ['', '', true],
      ['', 'x', false],
    ];
    for (const [glob, name, expected] of cases) expect([glob, name, modelAllowed([glob], [name])]).toEqual([glob, name, expected]);
    // A line break is matched by no glob, as the regular expression's `.` matched none.
    expect(modelAllowed(['*/kimi-*'], ['openai/x\n/kimi-y'])).toBe(false);
  });

  it('agrees with the regular expression it replaced, on every small glob and name', () => {
    const reference = (glob: string, name: string): boolean =>
      new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(name);
    const words = (alphabet: string, max: number): string[] => {
      let all = [''];
      let last = [''];
      for (let i = 0; i < max; i++) {
        last = last.flatMap((w) => [...alphabet].map((c) => w + c));
        all = all.concat(last);
      }
      return all;
    };
    const names = words('ab.', 4);
    const disagreements: string[] = [];
    for (const glob of words('a.*?', 4)) for (const name of names) if (modelAllowed([glob], [name]) !== reference(glob, name)) disagreements.push(`${glob} ${name}`);
    expect(disagreements).toEqual([]);
  });
});
