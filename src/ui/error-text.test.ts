import { describe, expect, it } from 'vitest';
import { errorText } from './error-text.js';

describe('errorText', () => {
  it('gives the gateway’s own message as it is', () => {
    expect(errorText(401, { error: { message: 'Invalid gateway key.', type: 'authentication_error' } })).toBe('Invalid gateway key.');
  });

  it('reads other shapes, with the status', () => {
    expect(errorText(500, { error: { message: { detail: 'on fire' } } })).toBe('HTTP 500: {"detail":"on fire"}');
    expect(errorText(502, { error: 'upstream reset' })).toBe('HTTP 502: upstream reset');
    expect(errorText(422, { detail: 'bad field' })).toBe('HTTP 422: bad field');
    expect(errorText(504, '<html><head><title>504 Gateway Time-out</title></head><body>nginx</body></html>')).toBe('504 Gateway Time-out');
    expect(errorText(502, '<h1>Bad gateway</h1><script>x()</script><p>try later</p>')).toBe('HTTP 502: Bad gateway try later');
    expect(errorText(503, 'Service Unavailable')).toBe('HTTP 503: Service Unavailable');
  });

  it('says the status alone when the body says nothing', () => {
    expect(errorText(500, undefined)).toBe('HTTP 500');
    expect(errorText(500, '')).toBe('HTTP 500');
    expect(errorText(500, '   ')).toBe('HTTP 500');
  });

  it('keeps a long page to a readable length', () => {
    expect(errorText(500, 'x'.repeat(10_000)).length).toBeLessThan(600);
  });
});
