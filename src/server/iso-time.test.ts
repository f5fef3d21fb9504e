import { afterEach, describe, expect, it } from 'vitest';
import { isoTimeMs } from './iso-time.js';

const zone = process.env.TZ;
afterEach(() => {
  if (zone === undefined) delete process.env.TZ;
  else process.env.TZ = zone;
});

describe('isoTimeMs', () => {
  it('reads a time without a zone as UTC, whatever zone the gateway runs in', () => {
    // Date.parse reads "2026-12-31T00:00:00" in the process's own zone: a key's expires_at, a log
    // query's from/to, meant the same instant only on hosts set to UTC.
    for (const tz of ['America/New_York', 'Asia/Tokyo', 'UTC']) {
      process.env.TZ = tz;
      expect([tz, isoTimeMs('2026-12-31T00:00:00')]).toEqual([tz, Date.UTC(2026, 11, 31)]);
      expect([tz, isoTimeMs('2026-12-31T10:30')]).toEqual([tz, Date.UTC(2026, 11, 31, 10, 30)]);
      expect([tz, isoTimeMs('2026-12-31T10:30:15.250')]).toEqual([tz, Date.UTC(2026, 11, 31, 10, 30, 15, 250)]);
      expect([tz, isoTimeMs('2026-12-31')]).toEqual([tz, Date.UTC(2026, 11, 31)]);
    }
  });

  it('keeps a zone that is given, and refuses what is not a real ISO 8601 time', () => {
    expect(isoTimeMs('2026-12-31T00:00:00Z')).toBe(Date.UTC(2026, 11, 31));
    expect(isoTimeMs('2026-12-31T02:00:00+02:00')).toBe(Date.UTC(2026, 11, 31));
    expect(isoTimeMs('2026-12-30T19:00:00-05:00')).toBe(Date.UTC(2026, 11, 31));
    for (const bad of ['2026-02-30T00:00:00', 'Jan 1 2027', '0', '2026-12-31T00:00:00ZZ', '1969-12-31T23:59:59Z']) expect([bad, isoTimeMs(bad)]).toEqual([bad, undefined]);
  });
});
