import { describe, expect, it } from 'vitest';
import { expectShape, gatewayErrorMessage, gatewayUrl, masterKeyHint } from './admin-client.js';

describe('gatewayUrl', () => {
  it('takes --url, else MOONGATE_URL (empty counts as unset), else the default', () => {
    expect(gatewayUrl('http://10.0.0.1:4000', { MOONGATE_URL: 'http://x:1' })).toBe('http://10.0.0.1:4000');
    expect(gatewayUrl(undefined, { MOONGATE_URL: 'http://x:1' })).toBe('http://x:1');
    expect(gatewayUrl(undefined, { MOONGATE_URL: '' })).toBe('http://127.0.0.1:4000');
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
