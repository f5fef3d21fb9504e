import { describe, expect, it } from 'vitest';
import { KeyBook } from './keys.js';

const book = new KeyBook([
  { key: 'sk-cn-explicit-global', region: 'global', tier: 2, balance: 5 },
  { key: 'sk-explicit-revoked', region: 'global', revoked: true },
  { key: 'plain-token', region: 'cn' },
]);

describe('KeyBook.authenticate', () => {
  it('accepts any sk- key on the global platform, sk-cn- keys only on China', () => {
    expect(book.authenticate('Bearer sk-abc', 'global').ok).toBe(true);
    expect(book.authenticate('Bearer sk-cn-abc', 'cn').ok).toBe(true);
  });

  it('answers a wrong-region key with 401 Invalid Authentication', () => {
    for (const [header, region] of [
      ['Bearer sk-abc', 'cn'],
      ['Bearer sk-cn-abc', 'global'],
    ] as const) {
      const r = book.authenticate(header, region);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toEqual({ status: 401, type: 'invalid_authentication_error', message: 'Invalid Authentication' });
    }
  });

  it('refuses missing, empty, non-Bearer and whitespace-damaged headers alike', () => {
    for (const header of [undefined, '', 'sk-abc', 'Basic sk-abc', 'Bearer ', 'Bearer  sk-abc', 'Bearer sk-a\tbc', 'Bearer sk-a bc']) {
      const r = book.authenticate(header, 'global');
      expect(r.ok, String(header)).toBe(false);
      if (!r.ok) expect(r.error.type).toBe('invalid_authentication_error');
    }
  });

  it('answers a token that is not an sk- key with incorrect_api_key_error', () => {
    const r = book.authenticate('Bearer hello', 'global');
    expect(!r.ok && r.error).toEqual({ status: 401, type: 'incorrect_api_key_error', message: 'Incorrect API key provided' });
  });

  it('refuses keys containing "revoked"', () => {
    expect(book.authenticate('Bearer sk-revoked-1', 'global').ok).toBe(false);
    expect(book.authenticate('Bearer sk-cn-revoked', 'cn').ok).toBe(false);
  });

  it('reads tier and balance from the key name', () => {
    const tiered = book.authenticate('Bearer sk-team-tier0-a', 'global');
    expect(tiered.ok && tiered.key.tier).toBe(0);
    const end = book.authenticate('Bearer sk-x-tier5', 'global');
    expect(end.ok && end.key.tier).toBe(5);
    const plain = book.authenticate('Bearer sk-plain', 'global');
    expect(plain.ok && plain.key.tier).toBeUndefined();
    const broke = book.authenticate('Bearer sk-nobalance-1', 'global');
    expect(broke.ok && broke.key.balance).toBe(0);
  });

  it('lets explicit keys win over the naming rules', () => {
    const r = book.authenticate('Bearer sk-cn-explicit-global', 'global');
    expect(r.ok && { tier: r.key.tier, balance: r.key.balance }).toEqual({ tier: 2, balance: 5 });
    expect(book.authenticate('Bearer sk-cn-explicit-global', 'cn').ok).toBe(false);
    expect(book.authenticate('Bearer sk-explicit-revoked', 'global').ok).toBe(false);
    expect(book.authenticate('Bearer plain-token', 'cn').ok).toBe(true);
  });

  it('gives each key a stable org label for 429 messages', () => {
    const a = book.authenticate('Bearer sk-org-test', 'global');
    const b = new KeyBook().authenticate('Bearer sk-org-test', 'global');
    expect(a.ok && a.key.org).toMatch(/^org-[0-9a-f]{32}<ak-[0-9a-f]{20}>$/);
    expect(a.ok && a.key.org).toBe(b.ok && b.key.org);
  });
});
