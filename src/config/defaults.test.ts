import { describe, expect, it } from 'vitest';
import { DEFAULT_MOONSHOT_REGIONS, DEFAULT_OPENAI_BASE_URL, defaultConfig } from './defaults.js';

describe('defaultConfig', () => {
  it('has the documented defaults', () => {
    expect(defaultConfig('x')).toEqual({
      server: { host: '0.0.0.0', port: 4000, max_body_mb: 32, drain_timeout_ms: 25_000, cors_origins: [] },
      store: 'sqlite:./.moongate/moongate.db',
      logging: { bodies: 'full', max_body_kb: 64 },
      providers: {},
      models: [],
      router: { retries: 2, timeout_ms: 600000, first_token_timeout_ms: 20000, idle_timeout_ms: 120000, stream_keepalive_ms: 15000, connect_timeout_ms: 10000, backoff_ms: 200, max_queue_wait_ms: 10000, max_queue_size: 1000, disabled_recheck_seconds: 300, cooldown: { fails: 3, seconds: 30, window_seconds: 60 } },
      pricing: {},
      source: 'x',
    });
  });
  it('leaves master_key and redis unset', () => {
    const config = defaultConfig('x');
    expect('master_key' in config).toBe(false);
    expect('redis' in config).toBe(false);
  });
  it('returns fresh objects each time', () => {
    const a = defaultConfig('a');
    a.router.cooldown.fails = 99;
    a.server.port = 1;
    expect(defaultConfig('b').router.cooldown.fails).toBe(3);
    expect(defaultConfig('b').server.port).toBe(4000);
  });
  it('knows the Moonshot regions and the OpenAI base URL', () => {
    expect(DEFAULT_MOONSHOT_REGIONS).toEqual({ global: 'https://api.moonshot.ai/v1', cn: 'https://api.moonshot.cn/v1' });
    expect(Object.isFrozen(DEFAULT_MOONSHOT_REGIONS)).toBe(true);
    expect(DEFAULT_OPENAI_BASE_URL).toBe('https://api.openai.com/v1');
  });
});
