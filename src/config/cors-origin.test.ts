import { describe, expect, it } from 'vitest';
import { parseCorsOrigin } from './cors-origin.js';

describe('parseCorsOrigin', () => {
  it('gives the origin as a browser sends it: lower case, no default port, no trailing slash', () => {
    expect(parseCorsOrigin('https://App.Example.com/')).toEqual({ origin: 'https://app.example.com' });
    expect(parseCorsOrigin('https://app.example.com:443')).toEqual({ origin: 'https://app.example.com' });
    expect(parseCorsOrigin('http://127.0.0.1:5173')).toEqual({ origin: 'http://127.0.0.1:5173' });
    expect(parseCorsOrigin('http://[::1]:3000')).toEqual({ origin: 'http://[::1]:3000' });
  });

  it('keeps * and subdomain wildcards', () => {
    expect(parseCorsOrigin('*')).toEqual({ origin: '*' });
    expect(parseCorsOrigin('https://*.Example.com')).toEqual({ origin: 'https://*.example.com' });
    expect(parseCorsOrigin('http://*.preview.example.com:8080')).toEqual({ origin: 'http://*.preview.example.com:8080' });
  });

  it('refuses what is not an origin, saying what to write', () => {
    expect(parseCorsOrigin('app.example.com')).toEqual({ problem: expect.stringContaining('e.g. https://app.example.com') });
    expect(parseCorsOrigin('ftp://example.com')).toEqual({ problem: expect.stringContaining('not an http or https origin') });
    expect(parseCorsOrigin('https://example.com/app')).toEqual({ problem: expect.stringContaining('e.g. https://example.com)') });
    expect(parseCorsOrigin('https://example.com/?x=1')).toEqual({ problem: expect.stringContaining('more than an origin') });
    expect(parseCorsOrigin('https://example.com/#top')).toEqual({ problem: expect.stringContaining('more than an origin') });
    expect(parseCorsOrigin('https://user:pw@example.com')).toEqual({ problem: expect.stringContaining('more than an origin') });
    expect(parseCorsOrigin('https://*.com')).toEqual({ problem: expect.stringContaining('every site under .com') });
    expect(parseCorsOrigin('https://a.*.example.com')).toEqual({ problem: expect.stringContaining('may only open the host name') });
  });
});
