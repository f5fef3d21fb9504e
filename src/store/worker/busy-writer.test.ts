import { describe, expect, it } from 'vitest';
import { busyButAnswering } from './worker-store.js';

describe('busyButAnswering (the readiness ping of a writer with calls pending)', () => {
  it('counts a busy writer that answered lately as working, and one silent for longer than a lock wait and a write as not', () => {
    expect(busyButAnswering(true, 200)).toBe(true);
    expect(busyButAnswering(true, 6_000)).toBe(true);
    // Under steady traffic a call is always pending: a hung writer must not pass for busy.
    expect(busyButAnswering(true, 8_000)).toBe(false);
    expect(busyButAnswering(false, 0)).toBe(false);
  });
});
