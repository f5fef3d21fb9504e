import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, configWarnings, loadConfig, parseConfigText } from './load-config.js';

/** The problems a config produces (it must fail). */
function problemsOf(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfigText(text, 'moongate.yaml', env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    expect((err as ConfigError).message).toBe(problems.join('\n'));
    return problems;
  }
  throw new Error('expected a ConfigError');
}

const lines = (...l: string[]) => l.join('\n') + '\n';

const SPEC_EXAMPLE = lines(
  'server: { host: 0.0.0.0, port: 4000 }',
  'master_key: env:MOONGATE_MASTER_KEY          # unset = open local mode (no gateway auth)',
  'store: sqlite:./.moongate/moongate.db         # or postgres://user@host/db',
  'redis: env:MOONGATE_REDIS_URL                 # optional',
  'logging: { bodies: full, max_body_kb: 64 }    # full | redacted | off',
  'providers:',
  '  moonshot:',
  '    credentials:',
  '      - name: main',
  '        api_key: env:MOONSHOT_API_KEY',
  '        region: global',
  '        weight: 3',
  '        limits: { concurrency: 50, rpm: 200, tpm: 2000000 }',
  '      - name: china',
  '        api_key: env:MOONSHOT_CN_API_KEY',
  '        region: cn',
  '    credential_override:',
  '      moonshot/kimi-k2.6: china',
  '  openai:',
  '    api_key: env:OPENAI_API_KEY',
  'models:',
  '  - name: kimi',
  '    targets:',
  '      - { model: moonshot/kimi-k2.6, weight: 3 }',
  '      - { model: moonshot/kimi-k2.5, weight: 1 }',
  '    fallbacks: [openai/gpt-5.5]',
  'router: { retries: 2, timeout_ms: 600000, first_token_timeout_ms: 20000, cooldown: { fails: 3, seconds: 30 } }',
  'pricing: {}',
);

const SPEC_ENV = { MOONSHOT_API_KEY: 'sk-main', MOONSHOT_CN_API_KEY: 'sk-cn', OPENAI_API_KEY: 'sk-openai' };

describe('parseConfigText', () => {
  it('loads the SPEC example', () => {
    const config = parseConfigText(SPEC_EXAMPLE, 'moongate.yaml', { ...SPEC_ENV, MOONGATE_MASTER_KEY: 'mk-1', MOONGATE_REDIS_URL: 'redis://r:6379' });
    expect(config).toEqual({
      server: { host: '0.0.0.0', port: 4000, max_body_mb: 32, drain_timeout_ms: 25_000, cors_origins: [] },
      master_key: 'mk-1',
      store: 'sqlite:./.moongate/moongate.db',
      redis: 'redis://r:6379',
      logging: { bodies: 'full', max_body_kb: 64 },
      providers: {
        moonshot: {
          name: 'moonshot',
          type: 'moonshot',
          regions: { global: 'https://api.moonshot.ai/v1', cn: 'https://api.moonshot.cn/v1' },
          credentials: [
            { name: 'main', api_key: 'sk-main', region: 'global', weight: 3, limits: { concurrency: 50, rpm: 200, tpm: 2000000 } },
            { name: 'china', api_key: 'sk-cn', region: 'cn', weight: 1 },
          ],
          credential_override: { 'moonshot/kimi-k2.6': 'china' },
          stream_usage: true,
        },
        openai: {
          name: 'openai',
          type: 'openai',
          base_url: 'https://api.openai.com/v1',
          regions: { global: 'https://api.moonshot.ai/v1', cn: 'https://api.moonshot.cn/v1' },
          credentials: [{ name: 'default', api_key: 'sk-openai', weight: 1 }],
          credential_override: {},
          stream_usage: true,
        },
      },
      models: [
        {
          name: 'kimi',
          targets: [
            { model: 'moonshot/kimi-k2.6', weight: 3 },
            { model: 'moonshot/kimi-k2.5', weight: 1 },
          ],
          fallbacks: ['openai/gpt-5.5'],
        },
      ],
      router: { retries: 2, timeout_ms: 600000, first_token_timeout_ms: 20000, idle_timeout_ms: 120000, stream_keepalive_ms: 15000, connect_timeout_ms: 10000, backoff_ms: 200, max_queue_wait_ms: 10000, max_queue_size: 1000, disabled_recheck_seconds: 300, cooldown: { fails: 3, seconds: 30, window_seconds: 60 } },
      pricing: {},
      source: 'moongate.yaml',
    });
  });

  it('leaves redis unset when its variable is missing', () => {
    const config = parseConfigText(SPEC_EXAMPLE, 'moongate.yaml', { ...SPEC_ENV, MOONGATE_MASTER_KEY: 'mk-1' });
    expect(config.redis).toBeUndefined();
  });

  it('refuses a master_key whose variable is missing, naming the variable, rather than start open to anyone', () => {
    expect(problemsOf(SPEC_EXAMPLE, SPEC_ENV)).toEqual([
      'moongate.yaml:2:1: master_key: environment variable MOONGATE_MASTER_KEY is not set; set it, or remove master_key to run in open local mode (no gateway authentication)',
    ]);
  });

  it('refuses a master_key with whitespace at either end, which no client could send', () => {
    const message = 'master_key: has leading or trailing whitespace, which HTTP strips from the Authorization header, so no client could ever send it; remove it';
    expect(problemsOf('master_key: "mk-0123456789abcdef "\n')).toEqual([`moongate.yaml:1:1: ${message}`]);
    expect(problemsOf('master_key: env:MK\n', { MK: '\tmk-0123456789abcdef' })).toEqual([`moongate.yaml:1:1: ${message} (from environment variable MK)`]);
  });

  it('gives the defaults for an empty file, a comment-only file and empty sections', () => {
    for (const text of ['', '# nothing here\n', 'server:\nlogging:\nrouter:\nproviders:\nmodels:\npricing:\n']) {
      const config = parseConfigText(text, 'empty.yaml', {});
      expect(config.server).toEqual({ host: '0.0.0.0', port: 4000, max_body_mb: 32, drain_timeout_ms: 25_000, cors_origins: [] });
      expect(config.store).toBe('sqlite:./.moongate/moongate.db');
      expect(config.logging).toEqual({ bodies: 'full', max_body_kb: 64 });
      expect(config.router).toEqual({ retries: 2, timeout_ms: 600000, first_token_timeout_ms: 20000, idle_timeout_ms: 120000, stream_keepalive_ms: 15000, connect_timeout_ms: 10000, backoff_ms: 200, max_queue_wait_ms: 10000, max_queue_size: 1000, disabled_recheck_seconds: 300, cooldown: { fails: 3, seconds: 30, window_seconds: 60 } });
      expect(config.models).toEqual([]);
      expect(config.pricing).toEqual({});
      expect(Object.keys(config.providers)).toEqual(['moonshot']);
      expect(config.providers.moonshot!.credentials).toEqual([]);
      expect(config.source).toBe('empty.yaml');
    }
  });

  it('merges partial sections with the defaults', () => {
    const config = parseConfigText(lines('server: { port: 8080 }', 'router: { cooldown: { seconds: 5 } }', 'logging: { bodies: redacted }'), 'f', {});
    expect(config.server).toEqual({ host: '0.0.0.0', port: 8080, max_body_mb: 32, drain_timeout_ms: 25_000, cors_origins: [] });
    expect(config.router.cooldown).toEqual({ fails: 3, seconds: 5, window_seconds: 60 });
    expect(config.router.retries).toBe(2);
    expect(config.logging).toEqual({ bodies: 'redacted', max_body_kb: 64 });
  });

  it('reads server.drain_timeout_ms (0 stops requests in flight at once) and refuses a negative one', () => {
    expect(parseConfigText(lines('server: { drain_timeout_ms: 8000 }'), 'f', {}).server.drain_timeout_ms).toBe(8_000);
    expect(parseConfigText(lines('server: { drain_timeout_ms: 0 }'), 'f', {}).server.drain_timeout_ms).toBe(0);
    expect(problemsOf(lines('server: { drain_timeout_ms: -1 }'))).toEqual([expect.stringContaining('server.drain_timeout_ms')]);
  });

  it('reads router.stream_keepalive_ms (0 turns keep-alives off) and refuses what is not a timer', () => {
    expect(parseConfigText(lines('router: { stream_keepalive_ms: 5000 }'), 'f', {}).router.stream_keepalive_ms).toBe(5_000);
    expect(parseConfigText(lines('router: { stream_keepalive_ms: 0 }'), 'f', {}).router.stream_keepalive_ms).toBe(0);
    expect(parseConfigText(lines('router: { stream_keepalive_ms: env:KEEPALIVE }'), 'f', { KEEPALIVE: '250' }).router.stream_keepalive_ms).toBe(250);
    expect(problemsOf(lines('router: { stream_keepalive_ms: -1 }'))).toEqual([expect.stringMatching(/^moongate\.yaml:1:\d+: router\.stream_keepalive_ms: /)]);
    expect(problemsOf(lines('router: { stream_keepalive_ms: 1.5 }'))).toEqual([expect.stringContaining('router.stream_keepalive_ms')]);
    expect(problemsOf(lines('router: { stream_keepalive_ms: 2147483648 }'))).toEqual(['moongate.yaml:1:11: router.stream_keepalive_ms: must be at most 2147483647']);
  });

  it('reads server.cors_origins as browsers send origins, and needs a master key for them', () => {
    const text = lines('master_key: mk-long-enough-for-tests-0001', 'server:', '  cors_origins: [ "https://App.example.com/", "https://*.preview.example.com", "http://127.0.0.1:5173" ]');
    expect(parseConfigText(text, 'f', {}).server.cors_origins).toEqual(['https://app.example.com', 'https://*.preview.example.com', 'http://127.0.0.1:5173']);
    expect(problemsOf(lines('master_key: mk-long-enough-for-tests-0001', 'server: { cors_origins: [ "https://ok.example.com", "example.com/app" ] }'))).toEqual([
      expect.stringMatching(/server\.cors_origins\[1\]: "example\.com\/app" is not an origin/),
    ]);
    expect(problemsOf(lines('server: { cors_origins: [ "https://app.example.com" ] }'))).toEqual([expect.stringMatching(/server\.cors_origins: needs master_key/)]);
    expect(problemsOf(lines('server: { cors_origins: "https://app.example.com" }'))).toEqual([expect.stringContaining('server.cors_origins')]);
  });

  it('resolves both env:NAME and os.environ/NAME', () => {
    const config = parseConfigText(
      lines(
        'master_key: os.environ/MK',
        'server: { port: env:PORT, host: os.environ/HOST }',
        'providers:',
        '  moonshot:',
        '    credentials:',
        '      - { name: a, api_key: env:KEY_A }',
        '      - { name: b, api_key: os.environ/KEY_B }',
      ),
      'f',
      { MK: 'mk', PORT: '8081', HOST: '127.0.0.1', KEY_A: 'sk-a', KEY_B: 'sk-b' },
    );
    expect(config.master_key).toBe('mk');
    expect(config.server.port).toBe(8081);
    expect(config.server.host).toBe('127.0.0.1');
    expect(config.providers.moonshot!.credentials.map((c) => c.api_key)).toEqual(['sk-a', 'sk-b']);
  });

  it('names the variable a bad value came from', () => {
    expect(problemsOf(lines('server: { port: env:PORTX }', 'logging: { bodies: os.environ/BODIES }'), { PORTX: 'abc', BODIES: 'all' })).toEqual([
      'moongate.yaml:1:11: server.port: must be a number (got a string) (from environment variable PORTX)',
      'moongate.yaml:2:12: logging.bodies: must be "full", "redacted" or "off" (got "all") (from environment variable BODIES)',
    ]);
  });

  it('reports a missing variable with the key, line and variable', () => {
    expect(problemsOf(SPEC_EXAMPLE, { MOONSHOT_API_KEY: 'sk-main', OPENAI_API_KEY: 'o', MOONGATE_MASTER_KEY: 'mk-1' })).toEqual([
      'moongate.yaml:15:9: providers.moonshot.credentials[1].api_key: environment variable MOONSHOT_CN_API_KEY is not set',
    ]);
    expect(problemsOf(lines('providers:', '  moonshot:', '    api_key: os.environ/MOONSHOT_API_KEY'), { MOONSHOT_API_KEY: '' })).toEqual([
      'moongate.yaml:3:5: providers.moonshot.api_key: environment variable MOONSHOT_API_KEY is empty',
    ]);
  });

  it('names key, file, line and column for a bad value', () => {
    const text = SPEC_EXAMPLE.replace('region: cn', 'region: eu');
    expect(problemsOf(text, { ...SPEC_ENV, MOONGATE_MASTER_KEY: 'mk-1' })).toEqual([
      'moongate.yaml:16:9: providers.moonshot.credentials[1].region: must be "global" or "cn" (got "eu")',
    ]);
  });

  it('matches the documented message format', () => {
    const text = lines(
      'server:', //                              1
      '  port: 4000', //                         2
      'providers:', //                           3
      '  moonshot:', //                          4
      '    regions:', //                         5
      '      global: http://127.0.0.1:9000/v1', // 6
      '    credentials:', //                     7
      '      - name: main', //                   8
      '        api_key: sk-1', //                9
      '        weight: 3', //                    10
      '      - name: china', //                  11
      '        region: eu', //                   12
      '        api_key: sk-2', //                13
    );
    expect(problemsOf(text)).toEqual(['moongate.yaml:12:9: providers.moonshot.credentials[1].region: must be "global" or "cn" (got "eu")']);
  });

  it('rejects unknown top-level keys with their line and a suggestion', () => {
    expect(problemsOf(lines('server: { port: 4000 }', 'loging: { bodies: off }', 'providrs: {}'))).toEqual([
      'moongate.yaml:2:1: loging: unknown key (did you mean "logging"?)',
      'moongate.yaml:3:1: providrs: unknown key (did you mean "providers"?)',
    ]);
  });

  it('rejects unknown keys inside a credential and elsewhere', () => {
    expect(
      problemsOf(
        lines(
          'providers:',
          '  moonshot:',
          '    credentials:',
          '      - name: main',
          '        api_key: sk-1',
          '        regoin: cn',
          'router:',
          '  cooldown: { fail: 3 }',
        ),
      ),
    ).toEqual([
      'moongate.yaml:6:9: providers.moonshot.credentials[0].regoin: unknown key (did you mean "region"?)',
      'moongate.yaml:8:15: router.cooldown.fail: unknown key (did you mean "fails"?)',
    ]);
  });

  it('reports every problem at once, in file order', () => {
    const problems = problemsOf(
      lines(
        'server: { port: 99999 }', //                                   1
        'logging: { bodies: everything }', //                            2
        'providers:', //                                                 3
        '  moonshot:', //                                                4
        '    credentials:', //                                           5
        '      - { name: main, api_key: sk-1 }', //                      6
        '      - { name: main, api_key: sk-2 }', //                      7
        '    credential_override:', //                                   8
        '      moonshot/kimi-k2.6: china', //                            9
        '  together:', //                                                10
        '    api_key: env:TOGETHER_KEY', //                              11
        'models:', //                                                    12
        '  - name: kimi', //                                             13
        '    targets: [{ model: anthropic/claude }]', //                 14
        '  - { name: kimi, model: moonshot/kimi-k2.6 }', //              15
        'pricing:', //                                                   16
        '  moonshot/kimi-k2.6: { input: -1 }', //                        17
      ),
    );
    expect(problems).toEqual([
      'moongate.yaml:1:11: server.port: must be at most 65535',
      'moongate.yaml:2:12: logging.bodies: must be "full", "redacted" or "off" (got "everything")',
      'moongate.yaml:7:11: providers.moonshot.credentials[1].name: duplicate credential name "main" (already used by credentials[0])',
      'moongate.yaml:9:7: providers.moonshot.credential_override["moonshot/kimi-k2.6"]: names credential "china", which provider "moonshot" does not have (its credentials are: main)',
      'moongate.yaml:10:3: providers.together: base_url is required: provider "together" is OpenAI-compatible and has no base_url of its own',
      'moongate.yaml:11:5: providers.together.api_key: environment variable TOGETHER_KEY is not set',
      'moongate.yaml:14:17: models[0].targets[0].model: names provider "anthropic", which is not configured (providers: moonshot, together)',
      'moongate.yaml:15:7: models[1].name: duplicate alias name "kimi" (already defined by models[0])',
      'moongate.yaml:17:25: pricing["moonshot/kimi-k2.6"].input: must be at least 0',
    ]);
  });

  it('refuses timers Node cannot hold (past 2^31 - 1 ms every request timed out at once) and says what an infinite number is', () => {
    expect(problemsOf(lines('router: { timeout_ms: 2147483648, disabled_recheck_seconds: 3000000 }', 'server: { max_body_mb: 1e309 }'))).toEqual([
      'moongate.yaml:1:11: router.timeout_ms: must be at most 2147483647',
      'moongate.yaml:1:35: router.disabled_recheck_seconds: must be at most 2147483.647',
      'moongate.yaml:2:11: server.max_body_mb: must be a number (got Infinity)',
    ]);
  });

  it('reports YAML syntax errors with line and column', () => {
    const [first] = problemsOf(lines('server:', '  port: 4000', ' host: x'));
    expect(first).toMatch(/^moongate\.yaml:3:\d+: /);
    expect(problemsOf(lines('server: { port: 1 }', 'server: { port: 2 }'))).toEqual([
      'moongate.yaml:2:1: duplicate key "server" (each key may appear once in a map)',
    ]);
    expect(problemsOf(lines('pricing:', '  moonshot/kimi-k2.6: { input: 1 }', '  moonshot/kimi-k2.6: { input: 2 }'))).toEqual([
      'moongate.yaml:3:3: duplicate key "moonshot/kimi-k2.6" (each key may appear once in a map)',
    ]);
    expect(problemsOf(lines('providers:', '  moonshot: *missing'))[0]).toBe('moongate.yaml:2:13: alias *missing has no anchor &missing before it');
    expect(problemsOf(lines('server: {}', '---', 'server: {}'))).toEqual([
      'moongate.yaml:2:1: the config must be a single YAML document (remove the "---" line)',
    ]);
  });

  it('requires the top level to be a map', () => {
    expect(problemsOf('- a\n- b\n')).toEqual(['moongate.yaml:1:1: the config must be a map of settings (server, providers, models, …), got a list']);
    expect(problemsOf('just text\n')[0]).toMatch(/got a string$/);
  });

  it('supports anchors and merge keys', () => {
    const config = parseConfigText(
      lines(
        'providers:',
        '  moonshot:',
        '    credentials:',
        '      - &base { name: a, api_key: sk-a, limits: { rpm: 10 } }',
        '      - { <<: *base, name: b, region: cn }',
      ),
      'f',
      {},
    );
    expect(config.providers.moonshot!.credentials).toEqual([
      { name: 'a', api_key: 'sk-a', region: 'global', weight: 1, limits: { rpm: 10 } },
      { name: 'b', api_key: 'sk-a', region: 'cn', weight: 1, limits: { rpm: 10 } },
    ]);
  });

  it('points moonshot at the simulator through regions', () => {
    const config = parseConfigText(
      lines(
        'providers:',
        '  moonshot:',
        '    regions: { global: http://127.0.0.1:9000/v1, cn: http://127.0.0.1:9000/cn/v1/ }',
        '    credentials:',
        '      - { name: g, api_key: sk-g }',
        '      - { name: c, api_key: sk-c, region: cn }',
      ),
      'f',
      {},
    );
    expect(config.providers.moonshot!.regions).toEqual({ global: 'http://127.0.0.1:9000/v1', cn: 'http://127.0.0.1:9000/cn/v1' });
  });

  it('rejects a non-http URL with its line', () => {
    expect(problemsOf(lines('providers:', '  local:', '    base_url: ftp://files.example.com/v1'))).toEqual([
      'moongate.yaml:3:5: providers.local.base_url: must be an http:// or https:// URL (got scheme "ftp")',
    ]);
  });

  it('rejects a glob in a credential\'s models with its line (ids are matched exactly: it would serve nothing)', () => {
    const text = lines('providers:', '  moonshot:', '    credentials:', '      - name: a', '        api_key: k', '        models: [kimi-k2.6, "kimi-*"]');
    expect(problemsOf(text)).toEqual([
      'moongate.yaml:6:29: providers.moonshot.credentials[0].models[1]: model ids are matched exactly, without globs (got "kimi-*"); list each id, e.g. [kimi-k2.6, kimi-k2.5]',
    ]);
  });

  it('validates store and redis', () => {
    expect(parseConfigText('store: sqlite:./logs.db\n', 'f', {}).store).toBe('sqlite:./logs.db');
    expect(problemsOf(lines('store: mysql://x', 'redis: localhost:6379'))).toEqual([
      'moongate.yaml:1:1: store: must be "sqlite:PATH" (e.g. sqlite:./.moongate/moongate.db)',
      'moongate.yaml:2:1: redis: must be a redis:// or rediss:// URL',
    ]);
    expect(problemsOf('master_key: ""\n')).toEqual(['moongate.yaml:1:1: master_key: must not be empty; remove master_key to run in open local mode (no gateway authentication)']);
    expect(problemsOf('store: postgres://u@db/moongate\n')).toEqual([
      'moongate.yaml:1:1: store: PostgreSQL is not supported by this version yet; use "sqlite:PATH" (e.g. sqlite:./.moongate/moongate.db)',
    ]);
  });

  it('accepts pricing overrides, including cached_input: null', () => {
    const config = parseConfigText(
      lines('pricing:', '  moonshot/kimi-k2.6: { input: 0.6, cached_input: 0.15, output: 2.5 }', '  moonshot/kimi-k2.5: { cached_input: null }'),
      'f',
      {},
    );
    expect(config.pricing).toEqual({
      'moonshot/kimi-k2.6': { input: 0.6, cached_input: 0.15, output: 2.5 },
      'moonshot/kimi-k2.5': { cached_input: null },
    });
  });

  it('names the configured providers in one order, for models and pricing alike', () => {
    expect(
      problemsOf(
        lines(
          'providers:',
          '  openai: { api_key: sk-o }',
          'models:',
          '  - { name: k, model: moonshto/kimi-k3 }',
          'pricing:',
          '  moonshto/kimi-k3: { input: 1, output: 2 }',
        ),
      ),
    ).toEqual([
      'moongate.yaml:4:16: models[0].model: names provider "moonshto", which is not configured (providers: moonshot, openai)',
      'moongate.yaml:6:3: pricing["moonshto/kimi-k3"]: names provider "moonshto", which is not configured (providers: moonshot, openai)',
    ]);
  });

  it('refuses pricing keys that could never apply, and an incomplete price for a model the catalogue does not price', () => {
    expect(
      problemsOf(
        lines(
          'pricing:',
          '  kimi-k2.6: { input: 1000, output: 1000 }',
          '  moonshto/kimi-k2.5: { input: 1000, output: 1000 }',
          '  moonshot/kimi-k2.7-code: { input: 1 }',
          '  moonshot/no-such-model: { cached_input: 0.1 }',
        ),
      ),
    ).toEqual([
      'moongate.yaml:2:3: pricing["kimi-k2.6"]: must be "provider/model", e.g. "moonshot/kimi-k2.6" (got "kimi-k2.6")',
      'moongate.yaml:3:3: pricing["moonshto/kimi-k2.5"]: names provider "moonshto", which is not configured (providers: moonshot)',
      'moongate.yaml:4:3: pricing["moonshot/kimi-k2.7-code"]: "kimi-k2.7-code" has no catalogue price, so give both input and output (output missing)',
      'moongate.yaml:5:3: pricing["moonshot/no-such-model"]: "no-such-model" has no catalogue price, so give both input and output (input and output missing)',
    ]);
  });

  it('accepts a whole price for an unpriced model, and a partial one for a catalogued model under a renamed Moonshot provider', () => {
    const config = parseConfigText(
      lines(
        'providers:',
        '  moonshot-b: { type: moonshot, api_key: sk-b }',
        '  together: { base_url: https://api.together.xyz/v1, api_key: sk-t }',
        'pricing:',
        '  moonshot/kimi-k2.7-code: { input: 1, output: 4 }',
        '  moonshot-b/kimi-k2.6: { output: 3 }',
        '  together/meta-llama/Llama-3.3-70B-Instruct-Turbo: { input: 0.88, output: 0.88 }',
      ),
      'f',
      {},
    );
    expect(Object.keys(config.pricing)).toEqual(['moonshot/kimi-k2.7-code', 'moonshot-b/kimi-k2.6', 'together/meta-llama/Llama-3.3-70B-Instruct-Turbo']);
  });

  describe('never prints secrets', () => {
    const SECRET = 'sk-TOPSECRET123';
    const cases: [string, string, NodeJS.ProcessEnv][] = [
      ['api_key of the wrong type', lines('providers:', '  moonshot:', `    api_key: [${SECRET}]`), {}],
      ['api_key on a broken YAML line', lines('providers:', '  moonshot:', `    api_key: ${SECRET}: x`), {}],
      ['unexpected scalar', lines('providers:', '  moonshot:', '    api_key: a', `  ${SECRET}`), {}],
      ['master_key of the wrong type', lines(`master_key: { k: ${SECRET} }`), {}],
      ['store with a password', lines(`store: mysql://root:${SECRET}@db/x`), {}],
      ['redis with a password', lines(`redis: http://:${SECRET}@r`), {}],
      ['a base_url with credentials', lines('providers:', '  x:', `    base_url: ftp://u:${SECRET}@h`), {}],
      ['an env value next to another problem', lines('master_key: env:MK', 'server: { port: env:PORT }'), { MK: SECRET, PORT: 'x' }],
      ['an unknown key beside a secret', lines('providers:', '  moonshot:', `    credentials: [{ name: a, api_key: ${SECRET}, apikey: ${SECRET} }]`), {}],
    ];
    for (const [what, text, env] of cases) {
      it(what, () => {
        const problems = problemsOf(text, env);
        expect(problems.length).toBeGreaterThan(0);
        expect(problems.join('\n')).not.toContain('TOPSECRET');
      });
    }
  });

  it('reports api_key whitespace as a warning, not an error, and keeps the key as given', () => {
    const config = parseConfigText(lines('providers:', '  moonshot:', '    credentials:', '      - { name: main, api_key: "sk-1 " }'), 'f', {});
    expect(config.providers.moonshot!.credentials[0]!.api_key).toBe('sk-1 ');
    expect(configWarnings(config)).toEqual([
      'providers.moonshot.credentials[0] ("main"): api_key has trailing whitespace; Moonshot will answer 401 Invalid Authentication',
    ]);
  });
});

describe('docs/configuration.md', () => {
  const docs = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
  const blocks = [...docs.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const env = new Proxy({} as NodeJS.ProcessEnv, {
    get: (_t, name) => (typeof name !== 'string' ? undefined : name.includes('REDIS') ? 'redis://localhost:6379' : `value-of-${name}`),
  });

  it('has YAML examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
  });
  blocks.forEach((block, i) => {
    it(`example ${i + 1} is a valid config`, () => {
      const text = block.replace(/^(\s*port:) env:PORT/m, '$1 4000');
      expect(() => parseConfigText(text, `docs example ${i + 1}`, env)).not.toThrow();
    });
  });
});

describe('loadConfig', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'moongate-config-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it('reads options.file and names it as the source and in messages', () => {
    const file = write('a.yaml', 'server: { port: 5000 }\n');
    const config = loadConfig({ file, env: {} });
    expect(config.server.port).toBe(5000);
    expect(config.source).toBe(file);
    const bad = write('bad.yaml', 'server:\n  prot: 1\n');
    expect(() => loadConfig({ file: bad, env: {} })).toThrow(`${bad}:2:3: server.prot: unknown key (did you mean "port"?)`);
  });

  it('falls back to MOONGATE_CONFIG, and options.file wins over it', () => {
    const a = write('env.yaml', 'server: { port: 5001 }\n');
    const b = write('opt.yaml', 'server: { port: 5002 }\n');
    expect(loadConfig({ env: { MOONGATE_CONFIG: a } }).server.port).toBe(5001);
    expect(loadConfig({ file: b, env: { MOONGATE_CONFIG: a } }).server.port).toBe(5002);
  });

  it('uses the environment as well for env: references in the file', () => {
    const file = write('ref.yaml', 'providers:\n  moonshot:\n    api_key: env:MOONSHOT_API_KEY\n');
    expect(loadConfig({ file, env: { MOONSHOT_API_KEY: 'sk-x' } }).providers.moonshot!.credentials[0]!.api_key).toBe('sk-x');
  });

  it('does not read the no-file variables when there is a file', () => {
    const file = write('plain.yaml', 'server: { port: 5003 }\n');
    const config = loadConfig({ file, env: { MOONSHOT_API_KEY: 'sk-x', MOONGATE_MASTER_KEY: 'mk' } });
    expect(config.providers.moonshot!.credentials).toEqual([]);
    expect(config.master_key).toBeUndefined();
  });

  it('uses defaults + environment without a file', () => {
    const config = loadConfig({ env: { MOONSHOT_API_KEY: 'sk-x', MOONGATE_CONFIG: '' } });
    expect(config.source).toBe('defaults + environment');
    expect(config.providers.moonshot!.credentials).toEqual([{ name: 'default', api_key: 'sk-x', region: 'global', weight: 1 }]);
  });

  it('fails clearly for a missing file', () => {
    const file = join(dir, 'nope.yaml');
    expect(() => loadConfig({ file, env: {} })).toThrow(ConfigError);
    expect(() => loadConfig({ file, env: {} })).toThrow(`${file}: config file not found`);
    expect(() => loadConfig({ file: dir, env: {} })).toThrow(/is a directory/);
  });

  it('refuses a file far bigger than any config, and an endless device, at once and saying so', () => {
    // 2 MB of valid YAML: the parser alone would take tens of seconds on it, with nothing said.
    const big = write('big.yaml', 'pricing:\n' + '  moonshot/kimi-k2.6: { input: 1, output: 2 }\n'.repeat(50_000));
    expect(() => loadConfig({ file: big, env: {} })).toThrow(`${big}: is larger than 1 MB, far more than any config; is this the right file?`);
    // Read without end before; now it stops at the limit (well under a second).
    const started = performance.now();
    expect(() => loadConfig({ file: '/dev/zero', env: {} })).toThrow('/dev/zero: is larger than 1 MB');
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('says a binary or UTF-16 file is not a UTF-8 config, instead of "got a string"', () => {
    const binary = write('bin.yaml', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00, 0x41, 0x42]).toString('latin1'));
    expect(() => loadConfig({ file: binary, env: {} })).toThrow(`${binary}: is not UTF-8 text (it contains NUL bytes: a binary file, or text saved as UTF-16); save the config as UTF-8`);
    const utf16 = join(dir, 'utf16.yaml');
    writeFileSync(utf16, Buffer.from('\ufeffserver: { port: 5005 }\n', 'utf16le'));
    expect(() => loadConfig({ file: utf16, env: {} })).toThrow('is not UTF-8 text');
  });

  it('still reads a config from a pipe (--config /dev/stdin, or <(…))', () => {
    const fifo = join(dir, 'pipe.yaml');
    execFileSync('mkfifo', [fifo]);
    // The writer runs in another process, as a shell would feed the pipe.
    const writer = spawn('sh', ['-c', `printf 'server: { port: 5006 }\\n' > ${fifo}`]);
    try {
      expect(loadConfig({ file: fifo, env: {} }).server.port).toBe(5006);
    } finally {
      writer.kill();
    }
  });

  it('applies and checks command-line overrides', () => {
    const file = write('o.yaml', 'server: { port: 5004, host: 127.0.0.1 }\n');
    expect(loadConfig({ file, env: {}, overrides: { port: 6000 } }).server).toEqual({ host: '127.0.0.1', port: 6000, max_body_mb: 32, drain_timeout_ms: 25_000, cors_origins: [] });
    expect(loadConfig({ env: {}, overrides: { host: '::1', port: 0 } }).server).toMatchObject({ host: '::1', port: 0 });
    expect(() => loadConfig({ env: {}, overrides: { port: 70000 } })).toThrow('command line: --port: must be an integer from 0 to 65535');
    expect(() => loadConfig({ env: {}, overrides: { port: Number.NaN } })).toThrow(ConfigError);
  });
});
