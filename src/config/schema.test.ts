import { describe, expect, it } from 'vitest';
import { isSecretPath, parseWith } from './format-issues.js';
import { ProblemList } from './problems.js';
import { aliasSchema, credentialSchema, loggingSchema, priceSchema, providerSchema, routerSchema, serverSchema } from './schema.js';
import type { z } from 'zod';

function check<T extends z.ZodType>(schema: T, value: unknown, prefix: (string | number)[] = []) {
  const problems = new ProblemList();
  const data = parseWith(schema, value, prefix, problems);
  return { data, problems: problems.items.map((p) => `${p.path.join('.')}: ${p.message}`) };
}

describe('schema', () => {
  it('accepts a valid server block and treats null as absent', () => {
    expect(check(serverSchema, { host: '127.0.0.1', port: 8080, max_body_mb: null }).data).toEqual({ host: '127.0.0.1', port: 8080 });
  });

  it('accepts numbers given as strings (from env: references)', () => {
    expect(check(serverSchema, { port: '8080' }).data).toEqual({ port: 8080 });
    expect(check(priceSchema, { input: '0.6', output: ' 2.5 ' }).data).toEqual({ input: 0.6, output: 2.5 });
  });

  it('names unknown keys one per line with a suggestion', () => {
    expect(check(routerSchema, { retires: 1, timeout: 5, zzzzzz: 1 }, ['router']).problems).toEqual([
      'router.retires: unknown key (did you mean "retries"?)',
      'router.timeout: unknown key (did you mean "timeout_ms"?)',
      'router.zzzzzz: unknown key (expected one of: retries, timeout_ms, first_token_timeout_ms, idle_timeout_ms, stream_keepalive_ms, connect_timeout_ms, backoff_ms, max_queue_wait_ms, max_queue_size, disabled_recheck_seconds, cooldown)',
    ]);
  });

  it('rejects unknown keys inside a credential', () => {
    expect(check(credentialSchema, { name: 'a', api_key: 'k', regoin: 'cn' }).problems).toEqual([
      'regoin: unknown key (did you mean "region"?)',
    ]);
  });

  it('reports enum mismatches with the value given', () => {
    expect(check(credentialSchema, { name: 'a', api_key: 'k', region: 'eu' }).problems).toEqual(['region: must be "global" or "cn" (got "eu")']);
    expect(check(loggingSchema, { bodies: 'some' }).problems).toEqual(['bodies: must be "full", "redacted" or "off" (got "some")']);
  });

  it('reports missing required keys', () => {
    expect(check(credentialSchema, { name: 'a' }).problems).toEqual(['api_key: is required']);
  });

  it('reports wrong types in YAML words, without the value', () => {
    expect(check(credentialSchema, { name: 'a', api_key: 12345678 }).problems).toEqual([
      'api_key: must be a string (got a number; put it in quotes)',
    ]);
    expect(check(serverSchema, { port: 'eighty' }).problems).toEqual(['port: must be a number (got a string)']);
    expect(check(routerSchema, { cooldown: [1] }).problems).toEqual(['cooldown: must be a map (got a list)']);
  });

  it('checks ranges and integers', () => {
    expect(check(serverSchema, { port: 70000 }).problems).toEqual(['port: must be at most 65535']);
    expect(check(serverSchema, { port: 80.5 }).problems).toEqual(['port: must be an integer']);
    expect(check(serverSchema, { max_body_mb: 0 }).problems).toEqual(['max_body_mb: must be greater than 0']);
    expect(check(routerSchema, { retries: -1 }).problems).toEqual(['retries: must be at least 0']);
    expect(check(priceSchema, { output: -2 }).problems).toEqual(['output: must be at least 0']);
  });

  it('allows cached_input: null (no cache-hit price)', () => {
    expect(check(priceSchema, { input: 1, cached_input: null }).data).toEqual({ input: 1, cached_input: null });
  });

  it('treats an empty provider as no settings', () => {
    expect(check(providerSchema, null).data).toEqual({});
  });

  it('accepts string alias targets', () => {
    expect(check(aliasSchema, { name: 'k', targets: ['moonshot/kimi-k2.6', { model: 'moonshot/x', weight: 2 }] }).data).toEqual({
      name: 'k',
      targets: [{ model: 'moonshot/kimi-k2.6' }, { model: 'moonshot/x', weight: 2 }],
    });
  });

  it('keeps paths under the prefix', () => {
    expect(check(credentialSchema, { name: 'a', api_key: 'k', weight: 0 }, ['providers', 'moonshot', 'credentials', 2]).problems).toEqual([
      'providers.moonshot.credentials.2.weight: must be greater than 0',
    ]);
  });
});

describe('isSecretPath', () => {
  it('flags keys whose values must not be printed', () => {
    expect(isSecretPath(['providers', 'moonshot', 'credentials', 0, 'api_key'])).toBe(true);
    expect(isSecretPath(['master_key'])).toBe(true);
    expect(isSecretPath(['store'])).toBe(true);
    expect(isSecretPath(['redis'])).toBe(true);
    expect(isSecretPath(['providers', 'moonshot', 'credentials', 0, 'region'])).toBe(false);
  });
});
