import { describe, expect, it } from 'vitest';
import { configFromEnvironment } from './env-config.js';
import { parseConfigText } from './load-config.js';
import { configWarnings, headerUnsafeFindings, secretFindings, whitespaceFindings } from './warnings.js';

describe('secretFindings', () => {
  it('finds nothing wrong with a clean key', () => {
    expect(secretFindings('sk-abcDEF123')).toEqual([]);
  });
  it('finds whitespace, quotes, a Bearer prefix and invisible characters', () => {
    expect(secretFindings(' sk-a')).toEqual(['has leading whitespace']);
    expect(secretFindings('sk-a\n')).toEqual(['has trailing whitespace']);
    expect(secretFindings('sk-a b')).toEqual(['has whitespace inside']);
    expect(secretFindings('"sk-a"')).toEqual(['is wrapped in quotes']);
    expect(secretFindings('Bearer sk-a')).toEqual(['starts with "Bearer " (give the key alone)']);
    expect(secretFindings('sk-a\u200b')[0]).toMatch(/^contains non-ASCII characters/);
    expect(secretFindings(' sk-a ')).toEqual(['has leading whitespace', 'has trailing whitespace']);
  });
});

describe('headerUnsafeFindings', () => {
  it('names what cannot go in an HTTP header: non-ASCII (a copied "…") and control characters, not whitespace', () => {
    expect(headerUnsafeFindings('sk-abcDEF123_-.')).toEqual([]);
    expect(headerUnsafeFindings('sk-…')).toEqual(['contains non-ASCII characters (often an invisible character from copy and paste)']);
    expect(headerUnsafeFindings('sk-a\u0001b')).toEqual(['contains control characters']);
    expect(headerUnsafeFindings('sk-a\u007f')).toEqual(['contains control characters']);
    expect(headerUnsafeFindings('sk-a\t\n')).toEqual([]);
  });
  it('is part of what start-up warns about a key in the config', () => {
    expect(secretFindings('sk-a\u0000')).toEqual(['contains control characters']);
  });
});

describe('whitespaceFindings', () => {
  it('names whitespace only: around, inside, line breaks included', () => {
    expect(whitespaceFindings('sk-a')).toEqual([]);
    expect(whitespaceFindings(' sk-a\n')).toEqual(['has leading whitespace', 'has trailing whitespace']);
    expect(whitespaceFindings('sk-\r\na')).toEqual(['has whitespace inside']);
    expect(whitespaceFindings('"sk-a"')).toEqual([]);
    expect(whitespaceFindings('Bearer sk-a')).toEqual([]);
  });
});

describe('configWarnings', () => {
  it('is empty for a clean config', () => {
    expect(configWarnings(configFromEnvironment({ MOONSHOT_API_KEY: 'sk-clean', MOONGATE_MASTER_KEY: 'mk-0123456789abcdef' }))).toEqual([]);
  });

  it('warns about whitespace in a Moonshot key without printing it', () => {
    const config = configFromEnvironment({ MOONSHOT_API_KEY: 'sk-secret-value \n' });
    const warnings = configWarnings(config);
    expect(warnings).toEqual([
      'providers.moonshot.credentials[0] ("default"): api_key has trailing whitespace; Moonshot will answer 401 Invalid Authentication',
    ]);
    expect(warnings.join('\n')).not.toContain('sk-secret-value');
    // The key is kept exactly as given: never trimmed.
    expect(config.providers.moonshot!.credentials[0]!.api_key).toBe('sk-secret-value \n');
  });

  it('combines findings and covers other providers and the master key', () => {
    const config = configFromEnvironment({ OPENAI_API_KEY: ' "sk-o" ', MOONGATE_MASTER_KEY: '"mk-secret-0123456789"' });
    expect(configWarnings(config)).toEqual([
      'providers.openai.credentials[0] ("default"): api_key has leading whitespace, has trailing whitespace and is wrapped in quotes; the provider will likely answer 401',
      'master_key is wrapped in quotes; clients must send it exactly like that, or they will be refused',
    ]);
  });

  it('warns about a master key shorter than 16 characters, without printing it', () => {
    const warnings = configWarnings(configFromEnvironment({ MOONGATE_MASTER_KEY: 'mk-secret' }));
    expect(warnings).toEqual([
      'master_key is shorter than 16 characters, so it is easy to guess; use a long random value (e.g. openssl rand -hex 32)',
    ]);
    expect(configWarnings(configFromEnvironment({ MOONGATE_MASTER_KEY: 'mk-0123456789abc' }))).toEqual([]);
  });

  it('warns about a credential model entry that names another provider (it is matched as an id of its own provider)', () => {
    const config = parseConfigText(
      `providers:
  moonshot:
    credentials: [{ name: main, api_key: sk-main, models: [openai/gpt-5, moonshot/kimi-k2.6, kimi-k2.5] }]
  openai: { api_key: sk-openai }
  together: { base_url: https://api.together.xyz/v1, credentials: [{ name: t, api_key: sk-t, models: [meta-llama/Llama-3.3-70B] }] }
`,
      'test.yaml',
      {},
    );
    expect(configWarnings(config)).toEqual([
      'providers.moonshot.credentials[0] ("main"): models entry "openai/gpt-5" names provider openai, but a credential serves only its own provider\'s models: it is matched as moonshot\'s model id "openai/gpt-5"',
    ]);
  });

  it('has nothing to say about redis now that replicas share limits and health through it', () => {
    const config = { ...configFromEnvironment({ MOONSHOT_API_KEY: 'sk-clean' }), redis: 'redis://127.0.0.1:6379' };
    expect(configWarnings(config)).toEqual([]);
  });
});
