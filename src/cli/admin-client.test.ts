import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callGateway, expectShape, gatewayErrorMessage, gatewayUrl, masterKeyHint } from './admin-client.js';

describe('gatewayUrl', () => {
  it('takes --url, else MOONGATE_URL (empty counts as unset), else the default', () => {
    expect(gatewayUrl('http://10.0.0.1:4000', { MOONGATE_URL: 'http://x:1' })).toBe('http://10.0.0.1:4000');
    expect(gatewayUrl(undefined, { MOONGATE_URL: 'http://x:1' })).toBe('http://x:1');
    expect(gatewayUrl(undefined, { MOONGATE_URL: '' })).toBe('http://127.0.0.1:4000');
  });

  it('takes the base URL OpenAI clients are given (…/v1) as the gateway it names: admin and log routes are at the root', () => {
    expect(gatewayUrl('http://127.0.0.1:4000/v1', {})).toBe('http://127.0.0.1:4000');
    expect(gatewayUrl(undefined, { MOONGATE_URL: 'https://gw.example.com/v1/' })).toBe('https://gw.example.com');
    expect(gatewayUrl('http://127.0.0.1:4000/', {})).toBe('http://127.0.0.1:4000');
    // A gateway behind a path prefix keeps it.
    expect(gatewayUrl('https://example.com/moongate', {})).toBe('https://example.com/moongate');
  });

  it('says which setting holds a URL without a scheme, and the expected form', () => {
    expect(() => gatewayUrl(undefined, { MOONGATE_URL: '127.0.0.1:47310' })).toThrow(
      'MOONGATE_URL "127.0.0.1:47310" is not a valid gateway URL; expected the form http://HOST:PORT, e.g. http://127.0.0.1:4000',
    );
    expect(() => gatewayUrl('localhost:4000', {})).toThrow('--url "localhost:4000" is not a valid gateway URL');
  });
});

describe('masterKeyHint', () => {
  it('tells a 401 without a key from one with a wrong key', () => {
    expect(masterKeyHint(undefined, '--master-key')).toBe('(No master key was given: use --master-key or set $MOONGATE_MASTER_KEY.)');
    expect(masterKeyHint('wrong', '--api-key')).toBe('(The master key given was refused: check --api-key or $MOONGATE_MASTER_KEY.)');
  });
});

describe('expectShape', () => {
  const answer = (json: unknown) => ({ status: 200, text: JSON.stringify(json), json });

  it('returns an answer that has every field', () => {
    expect(expectShape(answer({ data: [], x: 1 }), 'http://g', { data: 'array' })).toEqual({ data: [], x: 1 });
  });

  it('names the missing field, shows the answer, and asks whether --url is right', () => {
    for (const json of [{ id: 5, status: 'active' }, null, [1], 'text']) {
      expect(() => expectShape(answer(json), 'http://g', { id: 'string', status: 'string' })).toThrow(
        `the gateway at http://g answered HTTP 200 with JSON that is not a Moongate answer (no "id" string): ${JSON.stringify(json)}. Is --url pointing at a Moongate gateway?`,
      );
    }
  });
});

describe('gatewayErrorMessage', () => {
  it('reads an OpenAI-shaped error, and nothing else', () => {
    expect(gatewayErrorMessage({ error: { message: 'no' } })).toBe('no');
    expect(gatewayErrorMessage(null)).toBeUndefined();
    expect(gatewayErrorMessage({ error: 'no' })).toBeUndefined();
  });
});

describe('callGateway against a gateway that never answers', () => {
  // Accepts every request and never answers (a wedged gateway); loopback only.
  const silent = createServer(() => {});
  let url: string;
  beforeAll(async () => {
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    silent.closeAllConnections();
    return new Promise((resolve) => silent.close(resolve));
  });

  it('gives up after its timeout and says the gateway is reachable but does not answer (not "could not reach")', async () => {
    await expect(callGateway(url, 'GET', '/admin/keys', {}, undefined, { timeoutMs: 300 })).rejects.toThrow(
      `the gateway at ${url} did not answer within 0.3 s; it is reachable but busy or stuck. Try again, or check its own output.`,
    );
  });

  it('stops at once when its signal fires, and throws the abort as it is', async () => {
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 100);
    const err = (await callGateway(url, 'GET', '/v1/logs', {}, undefined, { signal: abort.signal }).catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('AbortError');
  });
});
