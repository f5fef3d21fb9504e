import { describe, expect, it } from 'vitest';
import { CorsPolicy } from './cors.js';

describe('CorsPolicy', () => {
  it('is off with no origins', () => {
    expect(new CorsPolicy([]).enabled).toBe(false);
  });

  it('allows exactly the listed origins', () => {
    const policy = new CorsPolicy(['https://app.example.com', 'http://127.0.0.1:5173']);
    expect(policy.allows('https://app.example.com')).toBe(true);
    expect(policy.allows('http://127.0.0.1:5173')).toBe(true);
    expect(policy.allows('http://app.example.com')).toBe(false);
    expect(policy.allows('https://app.example.com:8443')).toBe(false);
    expect(policy.allows('https://evil-app.example.com')).toBe(false);
    expect(policy.allows('null')).toBe(false);
  });

  it('allows any subdomain, at any depth, for a wildcard, but not the domain itself or look-alikes', () => {
    const policy = new CorsPolicy(['https://*.example.com']);
    expect(policy.allows('https://a.example.com')).toBe(true);
    expect(policy.allows('https://pr-12.preview.example.com')).toBe(true);
    expect(policy.allows('https://example.com')).toBe(false);
    expect(policy.allows('https://evilexample.com')).toBe(false);
    expect(policy.allows('http://a.example.com')).toBe(false);
    expect(policy.allows('https://a.example.com:8443')).toBe(false);
    expect(policy.allows('https://a/b.example.com')).toBe(false);
  });

  it('allows every origin with *', () => {
    expect(new CorsPolicy(['*']).allows('https://anything.test')).toBe(true);
  });
});
