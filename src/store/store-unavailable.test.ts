import { describe, expect, it } from 'vitest';
import { refusedUnapplied, storeUnavailable } from './store-unavailable.js';

const err = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});

describe('storeUnavailable', () => {
  it('says yes for a store that cannot take anything now', () => {
    for (const e of [
      err('database is locked', 'SQLITE_BUSY'),
      err('disk I/O error', 'SQLITE_IOERR_WRITE'),
      err('database or disk is full', 'SQLITE_FULL'),
      err('attempt to write a readonly database', 'SQLITE_READONLY'),
      err('file is not a database', 'SQLITE_NOTADB'),
      // The same from a store thread that could not reopen the file: the code may be gone.
      err('file is not a database'),
      err('database disk image is malformed'),
      err("EACCES: permission denied, mkdir '/var/lib/moongate'", 'EACCES'),
      err('the store is closing'),
      err('the store is closed'),
      err('the store worker stopped (exit code 1)'),
      err('the store did not answer logs.insert within 30000 ms'),
    ]) {
      expect([e.message, storeUnavailable(e)]).toEqual([e.message, true]);
    }
  });

  it('says no for a refusal of what was sent', () => {
    for (const e of [err('datatype mismatch', 'SQLITE_MISMATCH'), err('NOT NULL constraint failed: request_logs.id', 'SQLITE_CONSTRAINT_NOTNULL'), err('could not clone the record'), new TypeError('Cannot read properties of undefined'), err('Invalid string length')]) {
      expect([e.message, storeUnavailable(e)]).toEqual([e.message, false]);
    }
    expect(storeUnavailable(undefined)).toBe(false);
    expect(storeUnavailable('database is locked')).toBe(false);
  });
});

describe('refusedUnapplied', () => {
  it('says yes when the store applied nothing, and no when the call may have run (timed out, thread gone) or was a refusal', () => {
    for (const e of [err('database is locked', 'SQLITE_BUSY'), err('database or disk is full', 'SQLITE_FULL'), err('the store is closing'), err('the store is closed')]) {
      expect([e.message, refusedUnapplied(e)]).toEqual([e.message, true]);
    }
    for (const e of [err('the store did not answer keys.addSpend within 30000 ms'), err('the store worker stopped (exit code 1)'), err('datatype mismatch', 'SQLITE_MISMATCH')]) {
      expect([e.message, refusedUnapplied(e)]).toEqual([e.message, false]);
    }
  });
});
