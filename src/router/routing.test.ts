import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../config/index.js';
import { GatewayError } from '../server/gateway-error.js';
import { pickWeighted } from './pick-weighted.js';
import { resolveModel } from './resolve-model.js';
import { CallerCredentials } from '../server/caller-credentials.js';
import { eligibleCredentials } from './select-credential.js';

const config = parseConfigText(
  `
providers:
  moonshot:
    credentials:
      - { name: main, api_key: sk-a, weight: 3 }
      - { name: backup, api_key: sk-b, weight: 1 }
      - { name: china, api_key: sk-cn-c, region: cn, models: [kimi-k2.5] }
    credential_override:
      moonshot/kimi-k2-thinking: china
  local:
    base_url: http://127.0.0.1:8000/v1
    api_key: sk-local
models:
  - name: kimi
    targets:
      - { model: moonshot/kimi-k2.6, weight: 3 }
      - { model: moonshot/kimi-k2.5, weight: 1 }
    fallbacks: [local/llama]
`,
  'test.yaml',
  {},
);

describe('resolveModel', () => {
  it('resolves an alias with weighted targets and fallbacks', () => {
    expect(resolveModel('kimi', config)).toEqual({
      requested: 'kimi',
      targets: [
        { provider: 'moonshot', model: 'kimi-k2.6', weight: 3 },
        { provider: 'moonshot', model: 'kimi-k2.5', weight: 1 },
      ],
      fallbacks: [{ provider: 'local', model: 'llama', weight: 1 }],
    });
  });

  it('resolves aliases that fall back to each other: an alias named as a fallback lends its targets, not its fallbacks', () => {
    const cycle = parseConfigText(
      `
providers: { moonshot: { api_key: sk-a } }
models:
  - { name: a, model: moonshot/kimi-k2.6, fallbacks: [b] }
  - { name: b, model: moonshot/kimi-k2.5, fallbacks: [a] }
`,
      'test.yaml',
      {},
    );
    expect(resolveModel('a', cycle)).toEqual({ requested: 'a', targets: [{ provider: 'moonshot', model: 'kimi-k2.6', weight: 1 }], fallbacks: [{ provider: 'moonshot', model: 'kimi-k2.5', weight: 1 }] });
    expect(resolveModel('b', cycle).fallbacks).toEqual([{ provider: 'moonshot', model: 'kimi-k2.6', weight: 1 }]);
  });

  it('resolves provider/model, keeping slashes in the model id', () => {
    expect(resolveModel('local/meta/llama-3', config).targets).toEqual([{ provider: 'local', model: 'meta/llama-3', weight: 1 }]);
  });

  it('resolves a bare catalogue name to its provider', () => {
    expect(resolveModel('kimi-k3', config).targets).toEqual([{ provider: 'moonshot', model: 'kimi-k3', weight: 1 }]);
  });

  it('answers 404 model_not_found for anything else', () => {
    for (const name of ['gpt-unknown', 'nowhere/model', 'moonshot/']) {
      const err = (() => {
        try {
          resolveModel(name, config);
        } catch (e) {
          return e;
        }
      })() as GatewayError;
      expect(err).toBeInstanceOf(GatewayError);
      expect(err.status).toBe(404);
      expect(err.code).toBe('model_not_found');
    }
  });

  it("points a bare name of another provider's model to its prefixed form", () => {
    const openaiOnly = parseConfigText('providers: { openai: { api_key: sk-o } }', 'test.yaml', {});
    expect(() => resolveModel('gpt-4o', openaiOnly)).toThrow("bare model names are Moonshot's; for openai's model ask for `openai/gpt-4o`.");
    expect(() => resolveModel('gpt-unknown', openaiOnly)).toThrow('it is neither a configured alias nor a Moonshot model id.');
    expect(() => resolveModel('gpt-4o', config)).toThrow(`it is openai's model, and no provider named "openai" is configured (configured: moonshot, local).`);
  });
});

describe('pickWeighted', () => {
  it('follows the weights', () => {
    const items = [
      { id: 'a', weight: 3 },
      { id: 'b', weight: 1 },
    ];
    expect(pickWeighted(items, () => 0)!.id).toBe('a');
    expect(pickWeighted(items, () => 0.74)!.id).toBe('a');
    expect(pickWeighted(items, () => 0.76)!.id).toBe('b');
    expect(pickWeighted([], () => 0)).toBeUndefined();
  });
});

describe('eligibleCredentials', () => {
  const moonshot = config.providers.moonshot!;
  const names = (list: ReturnType<typeof eligibleCredentials>) => list.map((c) => c.config?.name ?? c.upstream?.name);

  it('lists the credentials whose scope allows the model, with their weights', () => {
    expect(names(eligibleCredentials(moonshot, 'kimi-k2.6', undefined))).toEqual(['main', 'backup']);
    expect(eligibleCredentials(moonshot, 'kimi-k2.6', undefined).map((c) => c.weight)).toEqual([3, 1]);
    expect(names(eligibleCredentials(moonshot, 'kimi-k2.5', undefined))).toEqual(['main', 'backup', 'china']);
  });

  it('honours credential_override', () => {
    expect(names(eligibleCredentials(moonshot, 'kimi-k2-thinking', undefined))).toEqual(['china']);
  });

  it('uses a caller key only when no credential is configured', () => {
    const bare = parseConfigText('providers: { moonshot: {} }', 'bare.yaml', {}).providers.moonshot!;
    expect(eligibleCredentials(bare, 'kimi-k2.6', CallerCredentials.none('sk-caller'))).toEqual([
      { upstream: { name: 'caller-key', apiKey: 'sk-caller', baseUrl: 'https://api.moonshot.ai/v1', region: 'global', brought: 'authorization' }, weight: 1 },
    ]);
    expect(names(eligibleCredentials(moonshot, 'kimi-k2.6', CallerCredentials.none('sk-caller')))).toEqual(['main', 'backup']);
  });

  it('prefers a key the caller brought: for the model, then for the provider', () => {
    const caller = CallerCredentials.parse({ moonshot: { api_key: 'sk-provider' } }, { 'moonshot/kimi-k3': { api_key: 'sk-cn-model', region: 'cn' } }, undefined);
    expect(eligibleCredentials(moonshot, 'kimi-k2.6', caller)).toEqual([
      { upstream: { name: 'customer_credentials', apiKey: 'sk-provider', baseUrl: 'https://api.moonshot.ai/v1', region: 'global', brought: 'customer_credentials' }, weight: 1 },
    ]);
    expect(eligibleCredentials(moonshot, 'kimi-k3', caller)[0]!.upstream).toMatchObject({ name: 'credential_override', apiKey: 'sk-cn-model', baseUrl: 'https://api.moonshot.cn/v1', brought: 'credential_override' });
  });

  it('rejects malformed caller credentials with 400 naming the field', () => {
    expect(() => CallerCredentials.parse({ moonshot: 'sk-x' }, undefined, undefined)).toThrow(/customer_credentials\.moonshot/);
    expect(() => CallerCredentials.parse(undefined, { 'moonshot/kimi-k3': { api_key: '' } }, undefined)).toThrow(/credential_override\.moonshot\/kimi-k3\.api_key/);
    expect(() => CallerCredentials.parse({ moonshot: { api_key: 'k', base_url: 'http://evil' } }, undefined, undefined)).toThrow(/not accepted/);
    for (const key of ['sk-mi\r\nX: 1', 'sk-\u0000', 'sk-🔑']) {
      expect(() => CallerCredentials.parse({ moonshot: { api_key: key } }, undefined, undefined)).toThrow(
        '`customer_credentials.moonshot.api_key` holds a line break, control or non-ASCII character; API keys are printable ASCII.',
      );
    }
  });

  it('says how to add a key when there is none', () => {
    const bare = parseConfigText('providers: { moonshot: {} }', 'bare.yaml', {}).providers.moonshot!;
    expect(() => eligibleCredentials(bare, 'kimi-k2.6', undefined)).toThrow(/MOONSHOT_API_KEY/);
  });
});
