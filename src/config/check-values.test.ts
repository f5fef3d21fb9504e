import { describe, expect, it } from 'vitest';
import { checkHttpUrl, checkName, checkRedis, checkStore, normalizeBaseUrl } from './check-values.js';

describe('normalizeBaseUrl', () => {
  it('strips trailing slashes and surrounding space', () => {
    expect(normalizeBaseUrl('https://api.moonshot.ai/v1/')).toBe('https://api.moonshot.ai/v1');
    expect(normalizeBaseUrl(' http://127.0.0.1:9000/cn/v1// ')).toBe('http://127.0.0.1:9000/cn/v1');
    expect(normalizeBaseUrl('https://api.moonshot.ai/v1')).toBe('https://api.moonshot.ai/v1');
  });
});

describe('checkHttpUrl', () => {
  it('accepts http and https URLs', () => {
    expect(checkHttpUrl('https://api.moonshot.ai/v1')).toBeUndefined();
    expect(checkHttpUrl('http://127.0.0.1:9000/v1/')).toBeUndefined();
  });
  it('rejects other schemes, garbage, queries and empty values without echoing them', () => {
    expect(checkHttpUrl('ftp://user:hunter2@host/v1')).toBe('must be an http:// or https:// URL (got scheme "ftp")');
    expect(checkHttpUrl('api.moonshot.ai/v1')).toBe('must be an http:// or https:// URL (could not parse it)');
    expect(checkHttpUrl('https://h/v1?key=1')).toBe('must not have a query string or fragment');
    expect(checkHttpUrl('')).toBe('must not be empty');
  });
});

describe('checkStore', () => {
  it('accepts sqlite paths', () => {
    expect(checkStore('sqlite:./.moongate/moongate.db')).toBeUndefined();
    expect(checkStore('sqlite::memory:')).toBeUndefined();
  });
  it('says that PostgreSQL is not supported yet, without echoing the URL', () => {
    for (const url of ['postgres://user:hunter2@host/db', 'postgresql://user:hunter2@host:5432/db']) {
      expect(checkStore(url)).toBe('PostgreSQL is not supported by this version yet; use "sqlite:PATH" (e.g. sqlite:./.moongate/moongate.db)');
    }
  });
  it('rejects anything else without echoing it', () => {
    const message = checkStore('mysql://root:hunter2@db/x');
    expect(message).toMatch(/must be "sqlite:PATH"/);
    expect(message).not.toContain('hunter2');
    expect(checkStore('sqlite:')).toBeDefined();
  });
});

describe('checkRedis', () => {
  it('accepts redis:// and rediss://', () => {
    expect(checkRedis('redis://localhost:6379')).toBeUndefined();
    expect(checkRedis('rediss://:pw@host:6380/0')).toBeUndefined();
    expect(checkRedis('localhost:6379')).toBe('must be a redis:// or rediss:// URL');
  });

  it('says what is wrong with a redis URL that ioredis would crash on or misread', () => {
    // "Invalid URL" from ioredis stopped the gateway at start with nothing more said.
    expect(checkRedis('redis://127.0.0.1:abc')).toBe(
      'is not a valid URL (check the host and port; a password with @, :, / or # in it must be percent-encoded, e.g. %40 for @)',
    );
    expect(checkRedis('redis://u:p@ss@host:6379')).toBeUndefined();
    // SELECT NaN: an unhandled error that ended the process once connected.
    expect(checkRedis('redis://127.0.0.1:6379/x')).toBe('must end with a database number after the host (e.g. redis://host:6379/1), got "/x"');
    expect(checkRedis('redis://127.0.0.1:6379/')).toBeUndefined();
    expect(checkRedis('redis://127.0.0.1:6379/15')).toBeUndefined();
    expect(checkRedis('redis://127.0.0.1:6379?db=one')).toBe('must end with a database number after the host (e.g. redis://host:6379/1), got "?db=one"');
    // ioredis decodes the password: a lone % would throw "URI malformed" at start.
    expect(checkRedis('redis://:50%off@127.0.0.1:6379')).toMatch(/^is not a valid URL/);
  });
});

describe('checkName', () => {
  it('accepts URL- and header-safe names', () => {
    expect(checkName('main', 'credential name')).toBeUndefined();
    expect(checkName('moonshot-eu', 'provider name')).toBeUndefined();
    expect(checkName('team_a.1', 'credential name')).toBeUndefined();
  });
  it('rejects empty names and odd characters', () => {
    expect(checkName('', 'credential name')).toBe('credential name must not be empty');
    expect(checkName('my key', 'credential name')).toMatch(/may contain only letters, digits/);
    expect(checkName('a/b', 'provider name')).toMatch(/^provider name "a\/b"/);
    expect(checkName('-x', 'provider name')).toBeDefined();
  });
});
