import { describe, expect, it } from 'vitest';
import type { ProviderConfig } from '../config/types.js';
import { CallerCredentials } from '../server/caller-credentials.js';
import { eligibleCredentials, toUpstream } from './select-credential.js';

const regions = { global: 'https://api.moonshot.ai/v1', cn: 'https://api.moonshot.cn/v1' };
const keyless = (name: string, type: ProviderConfig['type']): ProviderConfig => ({ name, type, regions, credentials: [], credential_override: {}, stream_usage: true, base_url: type === 'openai-compatible' ? 'http://127.0.0.1:9/v1' : undefined });

function refusal(provider: ProviderConfig, caller: CallerCredentials): { message: string; code: string } {
  try {
    eligibleCredentials(provider, 'kimi-k2.6', caller);
  } catch (err) {
    return err as { message: string; code: string };
  }
  throw new Error('expected a refusal');
}

describe('a provider with no key to call it with', () => {
  it('tells an open-mode caller to send their key as the bearer token', () => {
    const err = refusal(keyless('moonshot', 'moonshot'), CallerCredentials.none(''));
    expect(err.code).toBe('missing_provider_key');
    expect(err.message).toContain('send your own Moonshot key as `Authorization: Bearer …`');
    expect(err.message).toContain('under `providers.moonshot.credentials` in the config (without a config file: MOONSHOT_API_KEY)');
  });

  it('tells a caller of a gateway with a master key to bring theirs in the body: the header holds a gateway key', () => {
    const err = refusal(keyless('moonshot-cn', 'moonshot'), CallerCredentials.none());
    expect(err.message).toContain('`"customer_credentials": {"moonshot-cn": {"api_key": "…"}}`');
    expect(err.message).not.toContain('Authorization');
    // Not providers.moonshot, and no environment variable: only the provider named `moonshot` reads one.
    expect(err.message).toContain('under `providers.moonshot-cn.credentials` in the config;');
  });

  it('says a China-platform Moonshot key needs its region, which only the body can carry', () => {
    expect(refusal(keyless('moonshot', 'moonshot'), CallerCredentials.none('')).message).toContain(
      'passes on; a China-platform key needs `"region": "cn"` beside its api_key, in the body as `"customer_credentials": {"moonshot": {"api_key": "…"}}`.',
    );
    expect(refusal(keyless('moonshot-b', 'moonshot'), CallerCredentials.none()).message).toContain(
      '`"customer_credentials": {"moonshot-b": {"api_key": "…"}}`; a China-platform key needs `"region": "cn"` beside its api_key.',
    );
    expect(refusal(keyless('openai', 'openai'), CallerCredentials.none()).message).not.toContain('region');
  });

  it('names the provider of any other type by its name', () => {
    expect(refusal(keyless('openai', 'openai'), CallerCredentials.none()).message).toContain('(without a config file: OPENAI_API_KEY)');
    // OpenAI's keys by OpenAI's name, whatever the provider is called.
    expect(refusal(keyless('openai-eu', 'openai'), CallerCredentials.none()).message).toContain('bring your own OpenAI key');
    expect(refusal(keyless('together', 'openai-compatible'), CallerCredentials.none('')).message).toContain('send your own together key');
  });
});

describe('a configured credential as called', () => {
  it('says when its base_url is its own (it wins over the region a 401 explanation would change)', () => {
    const provider = keyless('moonshot', 'moonshot');
    expect(toUpstream(provider, { name: 'default', api_key: 'sk', base_url: 'https://api.moonshot.ai/v1', region: 'cn', weight: 1 }).ownBaseUrl).toBe(true);
    expect(toUpstream(provider, { name: 'main', api_key: 'sk', region: 'cn', weight: 1 })).toEqual({ name: 'main', apiKey: 'sk', baseUrl: regions.cn, region: 'cn' });
  });
});
