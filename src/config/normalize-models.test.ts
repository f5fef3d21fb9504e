import { describe, expect, it } from 'vitest';
import { checkModelRef, normalizeModels } from './normalize-models.js';
import { ProblemList, formatPath } from './problems.js';

const providers = new Set(['moonshot', 'openai']);

function run(raw: unknown) {
  const problems = new ProblemList();
  const models = normalizeModels(raw, providers, problems);
  return { models, problems: problems.items.map((p) => `${formatPath(p.path)}: ${p.message}`) };
}

describe('checkModelRef', () => {
  it('accepts provider/model with a configured provider', () => {
    expect(checkModelRef('moonshot/kimi-k2.6', providers)).toBeUndefined();
    expect(checkModelRef('openai/org/model-with-slash', providers)).toBeUndefined();
  });
  it('rejects other shapes and unknown providers', () => {
    expect(checkModelRef('kimi-k2.6', providers)).toBe('must be "provider/model", e.g. "moonshot/kimi-k2.6" (got "kimi-k2.6")');
    expect(checkModelRef('/kimi', providers)).toBeDefined();
    expect(checkModelRef('moonshot/', providers)).toBeDefined();
    expect(checkModelRef('anthropic/claude', providers)).toBe('names provider "anthropic", which is not configured (providers: moonshot, openai)');
  });
});

describe('normalizeModels', () => {
  it('is empty when absent', () => {
    expect(run(undefined)).toEqual({ models: [], problems: [] });
    expect(run(null)).toEqual({ models: [], problems: [] });
  });

  it('reads weighted targets and fallbacks', () => {
    const { models, problems } = run([
      {
        name: 'kimi',
        targets: [{ model: 'moonshot/kimi-k2.6', weight: 3 }, { model: 'moonshot/kimi-k2.5' }, 'moonshot/kimi-k2'],
        fallbacks: ['openai/gpt-5.5'],
      },
    ]);
    expect(problems).toEqual([]);
    expect(models).toEqual([
      {
        name: 'kimi',
        targets: [
          { model: 'moonshot/kimi-k2.6', weight: 3 },
          { model: 'moonshot/kimi-k2.5', weight: 1 },
          { model: 'moonshot/kimi-k2', weight: 1 },
        ],
        fallbacks: ['openai/gpt-5.5'],
      },
    ]);
  });

  it('reads the model shorthand as one target', () => {
    expect(run([{ name: 'fast', model: 'moonshot/kimi-k2.6' }]).models).toEqual([
      { name: 'fast', targets: [{ model: 'moonshot/kimi-k2.6', weight: 1 }], fallbacks: [] },
    ]);
  });

  it('checks target models', () => {
    expect(run([{ name: 'a', targets: [{ model: 'kimi-k2.6' }, { model: 'anthropic/claude' }] }]).problems).toEqual([
      'models[0].targets[0].model: must be "provider/model", e.g. "moonshot/kimi-k2.6" (got "kimi-k2.6")',
      'models[0].targets[1].model: names provider "anthropic", which is not configured (providers: moonshot, openai)',
    ]);
    expect(run([{ name: 'a', model: 'nope/x' }]).problems[0]).toMatch(/^models\[0\]\.model: names provider "nope"/);
  });

  it('requires exactly one of model and targets, with at least one target', () => {
    expect(run([{ name: 'a', model: 'moonshot/x', targets: ['moonshot/y'] }]).problems).toEqual([
      'models[0].model: give either model (one target) or targets (a list), not both',
    ]);
    expect(run([{ name: 'a' }]).problems[0]).toMatch(/^models\[0\]: needs at least one target/);
    expect(run([{ name: 'a', targets: [] }]).problems[0]).toMatch(/^models\[0\]\.targets: needs at least one target/);
  });

  it('rejects duplicate alias names and names with "/"', () => {
    expect(
      run([
        { name: 'kimi', model: 'moonshot/a' },
        { name: 'kimi', model: 'moonshot/b' },
        { name: 'moonshot/kimi', model: 'moonshot/c' },
        { name: '', model: 'moonshot/c' },
      ]).problems,
    ).toEqual([
      'models[1].name: duplicate alias name "kimi" (already defined by models[0])',
      'models[2].name: alias names must not contain "/" (that form means provider/model): "moonshot/kimi"',
      'models[3].name: must not be empty',
    ]);
  });

  it('checks fallbacks: aliases (also later ones) or provider/model', () => {
    expect(
      run([
        { name: 'a', model: 'moonshot/x', fallbacks: ['b', 'openai/gpt-5.5'] },
        { name: 'b', model: 'moonshot/y', fallbacks: ['b', 'c', 'zzz/q'] },
      ]).problems,
    ).toEqual([
      'models[1].fallbacks[0]: an alias cannot fall back to itself',
      'models[1].fallbacks[1]: must be an alias name or "provider/model" (no alias is named "c")',
      'models[1].fallbacks[2]: names provider "zzz", which is not configured (providers: moonshot, openai)',
    ]);
  });

  it('rejects unknown keys and a non-list', () => {
    expect(run([{ name: 'a', model: 'moonshot/x', fallback: [] }]).problems).toEqual([
      'models[0].fallback: unknown key (did you mean "fallbacks"?)',
    ]);
    expect(run({ kimi: 'moonshot/x' }).problems[0]).toMatch(/^models: must be a list of aliases/);
  });
});
