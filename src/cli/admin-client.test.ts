import { describe, expect, it } from 'vitest';
import { gatewayUrl, masterKeyHint } from './admin-client.js';

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
