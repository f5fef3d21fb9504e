import { describe, expect, it } from 'vitest';
import { ProblemList } from './problems.js';
import { parseEnvRef, resolveEnvRefs } from './resolve-env-refs.js';

function run(value: unknown, env: NodeJS.ProcessEnv) {
  const problems = new ProblemList();
  const out = resolveEnvRefs(value, env, problems);
  return { out, problems: problems.items };
}

describe('parseEnvRef', () => {
  it('reads both forms', () => {
    expect(parseEnvRef('env:MOONSHOT_API_KEY')).toBe('MOONSHOT_API_KEY');
    expect(parseEnvRef('os.environ/MOONSHOT_API_KEY')).toBe('MOONSHOT_API_KEY');
  });
  it('ignores other strings', () => {
    expect(parseEnvRef('https://api.moonshot.ai/v1')).toBeUndefined();
    expect(parseEnvRef('environment')).toBeUndefined();
    expect(parseEnvRef('sk-env:abc')).toBeUndefined();
  });
  it('flags malformed names', () => {
    expect(parseEnvRef('env:')).toBeNull();
    expect(parseEnvRef('env:MY-KEY')).toBeNull();
    expect(parseEnvRef('os.environ/1ABC')).toBeNull();
  });
});

describe('resolveEnvRefs', () => {
  it('replaces env: and os.environ/ references at any depth', () => {
    const { out, problems } = run(
      {
        providers: { moonshot: { credentials: [{ name: 'a', api_key: 'env:KEY_A' }, { name: 'b', api_key: 'os.environ/KEY_B' }] } },
        server: { port: 'env:PORT' },
      },
      { KEY_A: 'sk-a', KEY_B: 'sk-b', PORT: '8080' },
    );
    expect(problems).toEqual([]);
    expect(out).toEqual({
      providers: { moonshot: { credentials: [{ name: 'a', api_key: 'sk-a' }, { name: 'b', api_key: 'sk-b' }] } },
      server: { port: '8080' },
    });
  });

  it('leaves other values alone and does not mutate its input', () => {
    const input = { a: 1, b: true, c: null, d: ['x', 2], e: 'plain' };
    const { out } = run(input, {});
    expect(out).toEqual(input);
    expect(out).not.toBe(input);
  });

  it('reports a missing variable naming the key path and the variable', () => {
    const { out, problems } = run({ providers: { moonshot: { api_key: 'env:MOONSHOT_API_KEY' } } }, {});
    expect(problems).toEqual([
      { path: ['providers', 'moonshot', 'api_key'], message: 'environment variable MOONSHOT_API_KEY is not set' },
    ]);
    expect(out).toEqual({ providers: { moonshot: { api_key: 'env:MOONSHOT_API_KEY' } } });
  });

  it('reports an empty variable', () => {
    const { problems } = run({ list: ['os.environ/EMPTY'] }, { EMPTY: '' });
    expect(problems).toEqual([{ path: ['list', 0], message: 'environment variable EMPTY is empty' }]);
  });

  it('treats a missing or empty variable at redis as unset', () => {
    const { out, problems } = run({ redis: 'os.environ/MOONGATE_REDIS_URL', store: 'sqlite:x' }, { MOONGATE_REDIS_URL: '' });
    expect(problems).toEqual([]);
    expect(out).toEqual({ store: 'sqlite:x' });
  });

  it('reports a missing or empty variable at master_key, naming it: the gateway must not start open by accident', () => {
    const hint = '; set it, or remove master_key to run in open local mode (no gateway authentication)';
    expect(run({ master_key: 'env:NOPE_NOT_SET' }, {}).problems).toEqual([
      { path: ['master_key'], message: `environment variable NOPE_NOT_SET is not set${hint}` },
    ]);
    expect(run({ master_key: 'os.environ/MK' }, { MK: '' }).problems).toEqual([{ path: ['master_key'], message: `environment variable MK is empty${hint}` }]);
  });

  it('resolves master_key and redis when set', () => {
    const { out } = run({ master_key: 'env:MK', redis: 'env:R' }, { MK: 'secret', R: 'redis://h' });
    expect(out).toEqual({ master_key: 'secret', redis: 'redis://h' });
  });

  it('only treats the top-level redis as optional', () => {
    const { problems } = run({ other: { redis: 'env:NOPE' } }, {});
    expect(problems).toHaveLength(1);
  });

  it('reports a malformed reference', () => {
    const { problems } = run({ api_key: 'env:MY-KEY' }, {});
    expect(problems[0]!.path).toEqual(['api_key']);
    expect(problems[0]!.message).toMatch(/"env" reference needs a variable name/);
  });

  it('does not put variable values in problems', () => {
    const { problems } = run({ a: 'env:SET', b: 'env:UNSET' }, { SET: 'sk-very-secret' });
    expect(JSON.stringify(problems)).not.toContain('sk-very-secret');
  });
});
