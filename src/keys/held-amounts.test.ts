import { describe, expect, it } from 'vitest';
import { HeldAmounts } from './held-amounts.js';

describe('HeldAmounts', () => {
  it('sums what requests hold per key and takes each back once', () => {
    const held = new HeldAmounts();
    const a = held.add('k', 0.1);
    const b = held.add('k', 0.2);
    held.add('other', 1);
    expect(held.get('k')).toBeCloseTo(0.3, 12);
    expect(a()).toBe(true);
    expect(a()).toBe(false);
    expect(held.get('k')).toBeCloseTo(0.2, 12);
    expect(b()).toBe(true);
    // 0.1 + 0.2 - 0.1 - 0.2 leaves a float remainder: nothing is held, and the key has no entry.
    expect(held.has('k')).toBe(false);
    expect(held.get('k')).toBe(0);
    expect([...held.keys()]).toEqual(['other']);
  });
});
