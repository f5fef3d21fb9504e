import { describe, expect, it } from 'vitest';
import { KeyBook } from './keys.js';
import type { ResolvedKey } from './keys.js';
import { RateLimiter, TIERS } from './rate-limits.js';

function key(name: string): ResolvedKey {
  const r = new KeyBook().authenticate(`Bearer ${name}`, 'global');
  if (!r.ok) throw new Error('bad key');
  return r.key;
}

describe('RateLimiter', () => {
  it('has Moonshot tiers', () => {
    expect(TIERS[0]).toEqual({ concurrency: 1, rpm: 3, tpm: 500_000 });
    expect(TIERS[5]).toEqual({ concurrency: 1000, rpm: 10_000, tpm: 5_000_000 });
  });

  it('never limits keys without a tier', () => {
    const limiter = new RateLimiter(() => 0);
    const k = key('sk-free');
    for (let i = 0; i < 100; i++) expect(limiter.acquire(k, 10).ok).toBe(true);
  });

  it('enforces concurrency with Moonshot wording and frees the slot on release', () => {
    const limiter = new RateLimiter(() => 0);
    const k = key('sk-tier0-c');
    const first = limiter.acquire(k, 1);
    expect(first.ok).toBe(true);
    const second = limiter.acquire(k, 1);
    expect(second.ok).toBe(false);
    if (!second.ok) {
      expect(second.error.status).toBe(429);
      expect(second.error.type).toBe('rate_limit_reached_error');
      expect(second.error.message).toMatch(/request reached max organization concurrency: 1, please try again after 1 seconds$/);
    }
    if (first.ok) {
      first.release();
      first.release(); // idempotent
    }
    expect(limiter.acquire(k, 1).ok).toBe(true);
  });

  it('enforces RPM over a sliding minute with the injectable clock', () => {
    let now = 1_000_000;
    const limiter = new RateLimiter(() => now);
    const k = key('sk-tier0-r');
    for (let i = 0; i < 3; i++) {
      const r = limiter.acquire(k, 1);
      if (r.ok) r.release();
      now += 1000;
    }
    const blocked = limiter.acquire(k, 1);
    expect(blocked.ok).toBe(false);
    if (!blocked.ok) expect(blocked.error.message).toMatch(/request reached organization max RPM: 3, please try again after 57 seconds$/);
    now = 1_000_000 + 60_000;
    expect(limiter.acquire(k, 1).ok).toBe(true);
  });

  it('enforces TPM', () => {
    const limiter = new RateLimiter(() => 0);
    const k = key('sk-tier0-t');
    const r = limiter.acquire(k, 400_000);
    if (r.ok) r.release();
    const blocked = limiter.acquire(k, 200_000);
    expect(!blocked.ok && blocked.error.message).toMatch(/TPM rate limit, current: 600000, limit: 500000$/);
  });

  it('reset forgets the windows', () => {
    const limiter = new RateLimiter(() => 0);
    const k = key('sk-tier0-x');
    for (let i = 0; i < 3; i++) {
      const r = limiter.acquire(k, 1);
      if (r.ok) r.release();
    }
    expect(limiter.acquire(k, 1).ok).toBe(false);
    limiter.reset();
    expect(limiter.acquire(k, 1).ok).toBe(true);
  });
});
