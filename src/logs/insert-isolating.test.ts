import { describe, expect, it } from 'vitest';
import { insertIsolating } from './insert-isolating.js';
import type { LogEntry } from './log-record.js';

const entries = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `r${i}` }) as LogEntry);

/** A store that refuses any batch holding a poisoned id, or every batch while down; counts calls. */
function store(poisoned: string[], down = false) {
  const stored = new Set<string>();
  let calls = 0;
  return {
    stored,
    get calls() {
      return calls;
    },
    insert: async (batch: LogEntry[]) => {
      calls++;
      if (down) throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
      const bad = batch.find((e) => poisoned.includes(e.id));
      if (bad) throw new Error(`cannot store ${bad.id}`);
      for (const e of batch) stored.add(e.id);
    },
  };
}

describe('insertIsolating', () => {
  it('inserts a batch the store takes, in one call', async () => {
    const s = store([]);
    expect(await insertIsolating(s.insert, entries(10))).toEqual([]);
    expect(s.stored.size).toBe(10);
    expect(s.calls).toBe(1);
  });

  it('stores every other record and returns the one the store refuses', async () => {
    const s = store(['r37']);
    const refused = await insertIsolating(s.insert, entries(100));
    expect(refused).toEqual([{ entry: { id: 'r37' }, reason: 'cannot store r37' }]);
    expect(s.stored.size).toBe(99);
    expect(s.stored.has('r37')).toBe(false);
    // Halving: about two calls per level, not one per record.
    expect(s.calls).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(100)) + 1);
  });

  it('finds several refused records in the same half', async () => {
    const s = store(['r60', 'r61', 'r99']);
    const refused = await insertIsolating(s.insert, entries(100));
    expect(refused.map((r) => r.entry.id).sort()).toEqual(['r60', 'r61', 'r99']);
    expect(s.stored.size).toBe(97);
  });

  it('throws at once when the store is unavailable (locked, full, its thread gone)', async () => {
    const s = store([], true);
    await expect(insertIsolating(s.insert, entries(500))).rejects.toThrow('database is locked');
    expect(s.calls).toBe(1);
  });

  it('returns a lone record the store refuses (one left alone in the spool must not stop its replay)', async () => {
    const s = store(['r0']);
    expect(await insertIsolating(s.insert, entries(1))).toEqual([{ entry: { id: 'r0' }, reason: 'cannot store r0' }]);
  });

  it('finds refused records in both halves', async () => {
    const s = store(['r1', 'r8']);
    expect((await insertIsolating(s.insert, entries(10))).map((r) => r.entry.id)).toEqual(['r1', 'r8']);
    expect(s.stored.size).toBe(8);
  });
});
