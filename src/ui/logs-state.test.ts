import { describe, expect, it } from 'vitest';
import { filterTime } from './logs-state.js';

describe('filterTime', () => {
  it('reads the times the dashboard shows as UTC ISO times', () => {
    expect(filterTime('2026-11-30 20:32:06.577')).toBe('2026-11-30T20:32:06.577Z');
    expect(filterTime(' 2026-11-30 20:32:06.577 UTC ')).toBe('2026-11-30T20:32:06.577Z');
    expect(filterTime('2026-11-30 20:32')).toBe('2026-11-30T20:32Z');
    expect(filterTime('2026-11-30T20:32:06Z')).toBe('2026-11-30T20:32:06Z');
  });

  it('leaves anything else as typed, for the API to judge', () => {
    expect(filterTime('2026-11-30')).toBe('2026-11-30');
    expect(filterTime('1796070726')).toBe('1796070726');
    expect(filterTime('2026-11-30T20:32:06+02:00')).toBe('2026-11-30T20:32:06+02:00');
    expect(filterTime('yesterday')).toBe('yesterday');
  });
});
