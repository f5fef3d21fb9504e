import { describe, expect, it } from 'vitest';
import { resolveBaseUrl } from './base-url.js';
import { normalizeProviders } from './normalize-providers.js';
import { ProblemList, formatPath } from './problems.js';

function run(raw: unknown) {
  const problems = new ProblemList();
  const result = normalizeProviders(raw, problems);
  return { ...result, problems: problems.items.map((p) => `${formatPath(p.path)}: ${p.message}`) };
}

const MOONSHOT_REGIONS = { global: 'https://api.moonshot.ai/v1', cn: 'https://api.moonshot.cn/v1' };

describe('normalizeProviders', () => {
  it('always has a moonshot provider, with no credentials when not configured', () => {
    const { providers, names, problems } = run(undefined);
    expect(problems).toEqual([]);
    expect(providers).toEqual({
      moonshot: { name: 'moonshot', type: 'moonshot', regions: MOONSHOT_REGIONS, credentials: [], credential_override: {}, stream_usage: true },
    });
    expect([...names]).toEqual(['moonshot']);
  });

  it('builds moonshot credentials with defaults (weight 1, region global)', () => {
    const { providers, problems } = run({
      moonshot: {
        credentials: [
          { name: 'main', api_key: 'sk-main', weight: 3, limits: { concurrency: 50, rpm: 200, tpm: 2000000 } },
          { name: 'china', api_key: 'sk-cn', region: 'cn' },
          { name: 'custom', api_key: 'sk-c', base_url: 'https://proxy.example.com/v1/' },
        ],
        credential_override: { 'moonshot/kimi-k2.6': 'china' },
      },
    });
    expect(problems).toEqual([]);
    expect(providers.moonshot).toEqual({
      name: 'moonshot',
      type: 'moonshot',
      regions: MOONSHOT_REGIONS,
      credentials: [
        { name: 'main', api_key: 'sk-main', region: 'global', weight: 3, limits: { concurrency: 50, rpm: 200, tpm: 2000000 } },
        { name: 'china', api_key: 'sk-cn', region: 'cn', weight: 1 },
        { name: 'custom', api_key: 'sk-c', base_url: 'https://proxy.example.com/v1', weight: 1 },
      ],
      credential_override: { 'moonshot/kimi-k2.6': 'china' },
      stream_usage: true,
    });
  });

  it('reads the api_key shorthand as one credential named "default"', () => {
    const { providers, problems } = run({ moonshot: { api_key: 'sk-1', region: 'cn', limits: { rpm: 3 } } });
    expect(problems).toEqual([]);
    expect(providers.moonshot!.credentials).toEqual([{ name: 'default', api_key: 'sk-1', region: 'cn', weight: 1, limits: { rpm: 3 } }]);
  });

  it('rejects api_key and credentials together, and shorthand keys without api_key', () => {
    expect(run({ moonshot: { api_key: 'k', credentials: [] } }).problems).toEqual([
      'providers.moonshot.api_key: give either api_key (one credential) or credentials (a list), not both',
    ]);
    expect(run({ moonshot: { region: 'cn' } }).problems).toEqual([
      'providers.moonshot.region: at provider level belongs to the api_key shorthand; without api_key, set region on a credential',
    ]);
  });

  it('lets moonshot regions be overridden (e.g. to point at the simulator)', () => {
    const { providers, problems } = run({
      moonshot: { regions: { global: 'http://127.0.0.1:9000/v1/', cn: 'http://127.0.0.1:9000/cn/v1' }, api_key: 'sk' },
    });
    expect(problems).toEqual([]);
    expect(providers.moonshot!.regions).toEqual({ global: 'http://127.0.0.1:9000/v1', cn: 'http://127.0.0.1:9000/cn/v1' });
    expect(resolveBaseUrl(providers.moonshot!, providers.moonshot!.credentials[0])).toBe('http://127.0.0.1:9000/v1');
  });

  it('overrides one region and keeps the other default', () => {
    const { providers } = run({ moonshot: { regions: { cn: 'http://localhost:9001/v1' } } });
    expect(providers.moonshot!.regions).toEqual({ global: 'https://api.moonshot.ai/v1', cn: 'http://localhost:9001/v1' });
  });

  it('gives openai its default base URL', () => {
    const { providers, problems } = run({ openai: { api_key: 'sk-o' } });
    expect(problems).toEqual([]);
    expect(providers.openai).toEqual({
      name: 'openai',
      type: 'openai',
      base_url: 'https://api.openai.com/v1',
      regions: MOONSHOT_REGIONS,
      credentials: [{ name: 'default', api_key: 'sk-o', weight: 1 }],
      credential_override: {},
      stream_usage: true,
    });
  });

  it('treats any other name as OpenAI-compatible, which needs a base_url', () => {
    const ok = run({ together: { base_url: 'https://api.together.xyz/v1/', api_key: 'k' } });
    expect(ok.problems).toEqual([]);
    expect(ok.providers.together).toMatchObject({ type: 'openai-compatible', base_url: 'https://api.together.xyz/v1' });

    const perCredential = run({ local: { credentials: [{ name: 'a', api_key: 'k', base_url: 'http://localhost:8000/v1' }] } });
    expect(perCredential.problems).toEqual([]);

    expect(run({ together: { api_key: 'k' } }).problems).toEqual([
      'providers.together: base_url is required: provider "together" is OpenAI-compatible and has no base_url of its own',
    ]);
    expect(run({ together: null }).problems[0]).toMatch(/^providers\.together: base_url is required/);
    expect(run({ together: { credentials: [{ name: 'a', api_key: 'k' }] } }).problems).toEqual([
      'providers.together.credentials[0]: base_url is required: provider "together" is OpenAI-compatible and has no base_url of its own',
    ]);
  });

  it('accepts an explicit type, e.g. a second Moonshot account', () => {
    const { providers, problems, names } = run({
      'moonshot-eu': { type: 'moonshot', credentials: [{ name: 'eu', api_key: 'k' }] },
    });
    expect(problems).toEqual([]);
    expect(providers['moonshot-eu']).toMatchObject({ type: 'moonshot', regions: MOONSHOT_REGIONS });
    expect(providers['moonshot-eu']!.credentials[0]).toEqual({ name: 'eu', api_key: 'k', region: 'global', weight: 1 });
    expect(names.has('moonshot-eu')).toBe(true);
    expect(providers.moonshot).toBeDefined();
  });

  it('rejects a type that contradicts a built-in name', () => {
    expect(run({ moonshot: { type: 'openai-compatible', base_url: 'http://x/v1' } }).problems).toEqual([
      'providers.moonshot.type: provider "moonshot" is always of type moonshot; give a different name to an openai-compatible provider',
    ]);
    expect(run({ openai: { type: 'moonshot', api_key: 'k' } }).problems).toEqual([
      'providers.openai.type: provider "openai" is always of type openai; give a different name to a moonshot provider',
    ]);
  });

  it('rejects duplicate credential names, naming the duplicate', () => {
    expect(
      run({
        moonshot: {
          credentials: [
            { name: 'main', api_key: 'a' },
            { name: 'other', api_key: 'b' },
            { name: 'main', api_key: 'c' },
          ],
        },
      }).problems,
    ).toEqual(['providers.moonshot.credentials[2].name: duplicate credential name "main" (already used by credentials[0])']);
  });

  it('rejects bad credential and provider names', () => {
    expect(run({ moonshot: { credentials: [{ name: 'my key', api_key: 'a' }] } }).problems[0]).toMatch(
      /^providers\.moonshot\.credentials\[0\]\.name: credential name "my key" may contain only/,
    );
    expect(run({ 'a/b': { base_url: 'http://x' } }).problems[0]).toMatch(/^providers\["a\/b"\]: provider name "a\/b"/);
  });

  it('requires credential_override to name an existing credential', () => {
    expect(
      run({
        moonshot: { credentials: [{ name: 'main', api_key: 'a' }], credential_override: { 'moonshot/kimi-k2.6': 'china' } },
      }).problems,
    ).toEqual([
      'providers.moonshot.credential_override["moonshot/kimi-k2.6"]: names credential "china", which provider "moonshot" does not have (its credentials are: main)',
    ]);
    expect(run({ moonshot: { credential_override: { 'kimi-k2.6': 'x' } } }).problems[0]).toMatch(/it has no credentials\)$/);
  });

  it('rejects region and regions on non-moonshot providers', () => {
    expect(run({ openai: { credentials: [{ name: 'a', api_key: 'k', region: 'cn' }], regions: { cn: 'http://x' } } }).problems).toEqual([
      'providers.openai.regions: is for moonshot providers only (provider "openai" is openai)',
      'providers.openai.credentials[0].region: is for moonshot providers only (provider "openai" is openai); use base_url',
    ]);
  });

  it('validates URLs at every level', () => {
    expect(
      run({
        moonshot: {
          base_url: 'ftp://x',
          regions: { global: 'not a url' },
          credentials: [{ name: 'a', api_key: 'k', base_url: 'file:///etc/passwd' }],
        },
      }).problems,
    ).toEqual([
      'providers.moonshot.base_url: must be an http:// or https:// URL (got scheme "ftp")',
      'providers.moonshot.regions.global: must be an http:// or https:// URL (could not parse it)',
      'providers.moonshot.credentials[0].base_url: must be an http:// or https:// URL (got scheme "file")',
    ]);
  });

  it('does not default a moonshot region when the provider has a base_url', () => {
    const { providers } = run({ moonshot: { base_url: 'http://127.0.0.1:9000/v1', credentials: [{ name: 'a', api_key: 'k' }, { name: 'b', api_key: 'k', region: 'cn' }] } });
    const [a, b] = providers.moonshot!.credentials;
    expect(a).toEqual({ name: 'a', api_key: 'k', weight: 1 });
    expect(resolveBaseUrl(providers.moonshot!, a)).toBe('http://127.0.0.1:9000/v1');
    expect(resolveBaseUrl(providers.moonshot!, b)).toBe('https://api.moonshot.cn/v1');
  });

  it('rejects an empty api_key', () => {
    expect(run({ moonshot: { credentials: [{ name: 'a', api_key: '' }] } }).problems).toEqual([
      'providers.moonshot.credentials[0].api_key: must not be empty',
    ]);
  });

  it('rejects a glob in a credential model scope: ids are matched exactly, so it would serve nothing', () => {
    const { problems } = run({ moonshot: { credentials: [{ name: 'a', api_key: 'k', models: ['kimi-k2.6', 'kimi*', 'moonshot/*'] }] } });
    expect(problems).toEqual([
      'providers.moonshot.credentials[0].models[1]: model ids are matched exactly, without globs (got "kimi*"); list each id, e.g. [kimi-k2.6, kimi-k2.5]',
      'providers.moonshot.credentials[0].models[2]: model ids are matched exactly, without globs (got "moonshot/*"); list each id, e.g. [kimi-k2.6, kimi-k2.5]',
    ]);
  });

  it('strips the own provider prefix from credential model scopes', () => {
    const { providers } = run({ moonshot: { credentials: [{ name: 'a', api_key: 'k', models: ['moonshot/kimi-k2.6', 'kimi-k2.5'] }] } });
    expect(providers.moonshot!.credentials[0]!.models).toEqual(['kimi-k2.6', 'kimi-k2.5']);
  });

  it('reports schema problems with full paths and keeps other providers', () => {
    const { problems, providers, names } = run({
      moonshot: { credentials: [{ name: 'a', api_key: 'k', regoin: 'cn' }] },
      openai: { api_key: 'k' },
    });
    expect(problems).toEqual(['providers.moonshot.credentials[0].regoin: unknown key (did you mean "region"?)']);
    expect(providers.openai).toBeDefined();
    expect([...names].sort()).toEqual(['moonshot', 'openai']);
  });

  it('rejects a providers value that is not a map', () => {
    expect(run(['moonshot']).problems[0]).toMatch(/^providers: must be a map of provider name/);
  });
});

describe('resolveBaseUrl', () => {
  const { providers } = run({
    moonshot: {},
    openai: {},
    local: { base_url: 'http://localhost:8000/v1' },
  });
  it('prefers the credential base_url, then the region, then the provider default', () => {
    const moonshot = providers.moonshot!;
    expect(resolveBaseUrl(moonshot, { base_url: 'http://x/v1', region: 'cn' })).toBe('http://x/v1');
    expect(resolveBaseUrl(moonshot, { region: 'cn' })).toBe('https://api.moonshot.cn/v1');
    expect(resolveBaseUrl(moonshot)).toBe('https://api.moonshot.ai/v1');
    expect(resolveBaseUrl(providers.openai!)).toBe('https://api.openai.com/v1');
    expect(resolveBaseUrl(providers.local!)).toBe('http://localhost:8000/v1');
    expect(resolveBaseUrl(providers.local!, { region: 'cn' })).toBe('http://localhost:8000/v1');
  });
});
