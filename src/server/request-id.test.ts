import { describe, expect, it } from 'vitest';
import { newRequestId } from './request-id.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newRequestId', () => {
  it('is a UUID version 7 whose first 48 bits are the time in milliseconds', () => {
    const now = Date.UTC(2026, 10, 30, 13, 0, 0, 123);
    const id = newRequestId(now);
    expect(id).toMatch(UUID_V7);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(now);
  });

  it.each([0, 1, 0xffffff, 0x1000000, 0x1000001, 2 ** 47 + 5, 2 ** 48 - 1])('writes the time %d as 12 hex digits, its halves included', (now) => {
    const id = newRequestId(now);
    expect(id).toMatch(UUID_V7);
    expect(id.slice(0, 8) + id.slice(9, 13)).toBe(now.toString(16).padStart(12, '0'));
  });

  it('sorts in time order, so log inserts land at the end of the key index', () => {
    const ids = [0, 1, 2, 1000, 86_400_000].map((dt) => newRequestId(1_700_000_000_000 + dt));
    expect([...ids].sort()).toEqual(ids);
  });

  it('differs between ids of the same millisecond, across refills of its random pool', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 5_000; i++) {
      const id = newRequestId(1_700_000_000_000);
      expect(id).toMatch(UUID_V7);
      ids.add(id);
    }
    expect(ids.size).toBe(5_000);
  });

  it('spreads its random bits: every hex digit appears in the random part', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) for (const c of newRequestId().slice(24)) seen.add(c);
    expect(seen.size).toBe(16);
  });
});
