import { describe, expect, it } from 'vitest';
import { InMemoryKeyStore } from './key-store.js';
import { chargeFitsPeriod, periodEnd, periodStart } from './virtual-key.js';
import type { VirtualKey } from './virtual-key.js';

describe('chargeFitsPeriod', () => {
  it("says whether a start is one of the period's: 0 for total, a UTC midnight for day, a month's first for month", () => {
    expect(chargeFitsPeriod('total', 0)).toBe(true);
    expect(chargeFitsPeriod('total', Date.UTC(2026, 10, 30))).toBe(false);
    expect(chargeFitsPeriod('day', Date.UTC(2026, 10, 30))).toBe(true);
    expect(chargeFitsPeriod('day', Date.UTC(2026, 10, 30, 12))).toBe(false);
    expect(chargeFitsPeriod('month', Date.UTC(2026, 10, 1))).toBe(true);
    expect(chargeFitsPeriod('month', Date.UTC(2026, 10, 30))).toBe(false);
  });
});

describe('periodEnd', () => {
  it('is where the next period starts: the next UTC midnight, the next month\'s first (December into January); never for total', () => {
    const day = periodStart('day', Date.UTC(2026, 1, 28, 15));
    expect(periodEnd('day', day)).toBe(Date.UTC(2026, 2, 1));
    expect(periodEnd('month', periodStart('month', Date.UTC(2026, 11, 31, 23)))).toBe(Date.UTC(2027, 0, 1));
    expect(periodEnd('total', 0)).toBeUndefined();
  });
});

describe('InMemoryKeyStore.addSpend', () => {
  it('counts a charge reckoned under the terms before a period change in the current period, as the SQLite store does', async () => {
    const store = new InMemoryKeyStore();
    const key = { id: 'k', key_hash: 'h', budget_period: 'total', spend_period_start: 0, spend_usd: 1, spend_total_usd: 1 } as VirtualKey;
    await store.insertKey(key);
    await store.addSpend('k', 0.5, Date.UTC(2026, 10, 30));
    expect(await store.getKey('k')).toMatchObject({ spend_usd: 1.5, spend_total_usd: 1.5, spend_period_start: 0 });
  });
});
