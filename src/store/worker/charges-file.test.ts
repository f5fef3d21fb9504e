import { describe, expect, it } from 'vitest';
import { parseCharge } from './charges-file.js';

describe('parseCharge (a line of the charges file kept by a shutdown)', () => {
  it('reads a charge, and takes a line that would credit a key or has no number for damaged', () => {
    expect(parseCharge('{"id":"key_1","usd":0.25,"periodStart":0}')).toEqual({ id: 'key_1', usd: 0.25, periodStart: 0 });
    expect(parseCharge('{"id":"key_1","usd":-5,"periodStart":0}')).toBeUndefined();
    expect(parseCharge('{"id":"key_1","usd":0,"periodStart":0}')).toBeUndefined();
    expect(parseCharge('{"id":"key_1","usd":1,"periodStart":null}')).toBeUndefined();
    expect(parseCharge('{"id":"key_1","usd":1')).toBeUndefined();
  });
});
