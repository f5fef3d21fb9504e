import { describe, expect, it } from 'vitest';
import { configFromEnvironment, environmentWarnings } from './env-config.js';
import { ConfigError } from './problems.js';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    configFromEnvironment(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('configFromEnvironment', () => {
  it('gives defaults and a moonshot provider with no credentials when nothing is set', () => {
    const config = configFromEnvironment({});
    expect(config.source).toBe('defaults + environment');
    expect(config.server).toEqual({ host: '0.0.0.0', port: 4000, max_body_mb: 32, drain_timeout_ms: 25_000, cors_origins: [] });
    expect(config.store).toBe('sqlite:./.moongate/moongate.db');
    expect(config.master_key).toBeUndefined();
    expect(config.redis).toBeUndefined();
    expect(Object.keys(config.providers)).toEqual(['moonshot']);
    expect(config.providers.moonshot).toEqual({
      name: 'moonshot',
      type: 'moonshot',
      regions: { global: 'https://api.moonshot.ai/v1', cn: 'https://api.moonshot.cn/v1' },
      credentials: [],
      credential_override: {},
      stream_usage: true,
    });
  });

  it('turns MOONSHOT_API_KEY into a global credential named "default"', () => {
    const config = configFromEnvironment({ MOONSHOT_API_KEY: 'sk-abc' });
    expect(config.providers.moonshot!.credentials).toEqual([{ name: 'default', api_key: 'sk-abc', region: 'global', weight: 1 }]);
  });

  it('reads MOONSHOT_REGION', () => {
    const config = configFromEnvironment({ MOONSHOT_API_KEY: 'sk-abc', MOONSHOT_REGION: 'cn' });
    expect(config.providers.moonshot!.credentials[0]!.region).toBe('cn');
    expect(problemsOf({ MOONSHOT_API_KEY: 'k', MOONSHOT_REGION: 'eu' })).toEqual([
      'environment: MOONSHOT_REGION: must be "global" or "cn" (got "eu")',
    ]);
  });

  it('uses MOONSHOT_API_BASE for the provider and the credential', () => {
    const config = configFromEnvironment({ MOONSHOT_API_KEY: 'sk', MOONSHOT_API_BASE: 'http://127.0.0.1:9000/v1/' });
    expect(config.providers.moonshot!.base_url).toBe('http://127.0.0.1:9000/v1');
    expect(config.providers.moonshot!.credentials).toEqual([
      { name: 'default', api_key: 'sk', base_url: 'http://127.0.0.1:9000/v1', weight: 1 },
    ]);
    expect(configFromEnvironment({ MOONSHOT_API_BASE: 'http://127.0.0.1:9000/v1' }).providers.moonshot!.base_url).toBe(
      'http://127.0.0.1:9000/v1',
    );
    // It is the global region's URL too, wherever a region is named (bring-your-own-key, check).
    expect(config.providers.moonshot!.regions).toEqual({ global: 'http://127.0.0.1:9000/v1', cn: 'https://api.moonshot.cn/v1' });
    // Moonshot's China host is the China region, not a stand-in for the global one.
    expect(configFromEnvironment({ MOONSHOT_API_BASE: 'https://api.moonshot.cn/v1' }).providers.moonshot!.regions.global).toBe('https://api.moonshot.ai/v1');
    // Whatever the scheme or port it is written with.
    for (const base of ['http://api.moonshot.cn/v1', 'https://api.moonshot.cn:443/v1/', 'https://API.moonshot.cn/v1']) {
      expect(configFromEnvironment({ MOONSHOT_API_BASE: base }).providers.moonshot!.regions.global).toBe('https://api.moonshot.ai/v1');
    }
    expect(problemsOf({ MOONSHOT_API_BASE: 'api.moonshot.ai' })).toEqual([
      'environment: MOONSHOT_API_BASE: must be an http:// or https:// URL (could not parse it)',
    ]);
  });

  it('adds openai only when OPENAI_API_KEY is set', () => {
    expect(configFromEnvironment({ OPENAI_API_BASE: 'http://x/v1' }).providers.openai).toBeUndefined();
    expect(configFromEnvironment({ OPENAI_API_KEY: 'sk-o' }).providers.openai).toEqual({
      name: 'openai',
      type: 'openai',
      base_url: 'https://api.openai.com/v1',
      regions: { global: 'https://api.moonshot.ai/v1', cn: 'https://api.moonshot.cn/v1' },
      credentials: [{ name: 'default', api_key: 'sk-o', weight: 1 }],
      credential_override: {},
      stream_usage: true,
    });
    expect(configFromEnvironment({ OPENAI_API_KEY: 'sk-o', OPENAI_API_BASE: 'http://localhost:8080/v1/' }).providers.openai!.base_url).toBe(
      'http://localhost:8080/v1',
    );
  });

  it('refuses a MOONGATE_MASTER_KEY with whitespace at either end', () => {
    expect(() => configFromEnvironment({ MOONGATE_MASTER_KEY: 'mk-0123456789abcdef\n' })).toThrow(
      'environment: MOONGATE_MASTER_KEY: has leading or trailing whitespace, which HTTP strips from the Authorization header, so no client could ever send it; remove it',
    );
  });

  it('reads MOONGATE_MASTER_KEY and MOONGATE_STORE', () => {
    const config = configFromEnvironment({ MOONGATE_MASTER_KEY: 'mk-1', MOONGATE_STORE: 'sqlite:/var/lib/moongate/logs.db' });
    expect(config.master_key).toBe('mk-1');
    expect(config.store).toBe('sqlite:/var/lib/moongate/logs.db');
    expect(() => configFromEnvironment({ MOONGATE_STORE: 'postgres://u@h/db' })).toThrow(/MOONGATE_STORE: PostgreSQL is not supported by this version yet/);
  });

  it('treats empty variables as unset', () => {
    const config = configFromEnvironment({ MOONSHOT_API_KEY: '', MOONGATE_MASTER_KEY: '', MOONGATE_STORE: '', MOONSHOT_REGION: '' });
    expect(config.providers.moonshot!.credentials).toEqual([]);
    expect(config.master_key).toBeUndefined();
    expect(config.store).toBe('sqlite:./.moongate/moongate.db');
  });

  it('reports every problem at once, without secret values', () => {
    const problems = problemsOf({
      MOONSHOT_API_KEY: 'sk-secret-1',
      MOONSHOT_REGION: 'eu',
      MOONGATE_STORE: 'mysql://root:hunter2@db/x',
      OPENAI_API_BASE: 'ftp://y',
      MOONGATE_MASTER_KEY: 'mk-secret',
    });
    expect(problems).toHaveLength(3);
    const text = problems.join('\n');
    for (const secret of ['sk-secret-1', 'hunter2', 'mk-secret']) expect(text).not.toContain(secret);
  });

  it('ignores a config file variable and unrelated variables', () => {
    const config = configFromEnvironment({ PORT: '9999', MOONGATE_REDIS_URL: 'redis://x' });
    expect(config.server.port).toBe(4000);
    expect(config.redis).toBeUndefined();
  });
});

describe('environmentWarnings', () => {
  it('names a misspelt Moongate variable, which was ignored without a word (a typo in MOONGATE_MASTER_KEY meant open mode)', () => {
    expect(environmentWarnings({ MOONGATE_MASTERKEY: 'k', MOONGATE_STOR: 'sqlite:x.db', MOONGATE_SECERT: 's' })).toEqual([
      'environment: MOONGATE_MASTERKEY is set, but Moongate does not read it (did you mean MOONGATE_MASTER_KEY?)',
      'environment: MOONGATE_STOR is set, but Moongate does not read it (did you mean MOONGATE_STORE?)',
      'environment: MOONGATE_SECERT is set, but Moongate does not read it (did you mean MOONGATE_SECRET?)',
    ]);
  });

  it('says where the port and host are set instead', () => {
    expect(environmentWarnings({ MOONGATE_PORT: '8080', MOONGATE_HOST: '127.0.0.1' })).toEqual([
      'environment: MOONGATE_PORT is set, but Moongate does not read it; use --port or server.port',
      'environment: MOONGATE_HOST is set, but Moongate does not read it; use --host or server.host',
    ]);
  });

  it("leaves the variables it reads, and a user's own (README's MOONGATE_KEY), alone", () => {
    const env = { MOONGATE_MASTER_KEY: 'k', MOONGATE_STORE: 's', MOONGATE_SECRET: 's', MOONGATE_CONFIG: '', MOONGATE_URL: 'u', MOONGATE_REDIS_URL: 'r' };
    expect(environmentWarnings({ ...env, MOONGATE_KEY: 'mg-x', MOONGATE_TEAM_B_OPENAI_KEY: 'sk', PATH: '/bin' })).toEqual([]);
  });
});
