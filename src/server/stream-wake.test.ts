import { describe, expect, it } from 'vitest';
import { planStreamWake } from './stream-wake.js';

const IDLE = 1_000;
const KEEP = 100;

describe('planStreamWake', () => {
  it('with keep-alives off wakes for the idle timeout only, as before', () => {
    expect(planStreamWake(500, 200, 0, false, IDLE, 0)).toEqual({ idle: false, keepAlive: false, inMs: 700 });
    expect(planStreamWake(1_200, 200, 0, false, IDLE, 0)).toEqual({ idle: true, keepAlive: false, inMs: 0 });
    expect(planStreamWake(500, 200, 0, true, IDLE, 0)).toEqual({ idle: false, keepAlive: false, inMs: IDLE });
  });

  it('sends a comment once nothing has been written for the interval, and wakes one interval later', () => {
    expect(planStreamWake(600, 550, 500, false, IDLE, KEEP)).toEqual({ idle: false, keepAlive: true, inMs: KEEP });
  });

  it('counts from the last write, not the last read: upstream comments that reach nobody do not count', () => {
    // Heard from 10 ms ago (an upstream `: keep-alive`), nothing written for 150 ms.
    expect(planStreamWake(650, 640, 500, false, IDLE, KEEP).keepAlive).toBe(true);
  });

  it('sends nothing while bytes flow, and wakes when the next comment would be due', () => {
    expect(planStreamWake(560, 560, 530, false, IDLE, KEEP)).toEqual({ idle: false, keepAlive: false, inMs: 70 });
  });

  it('wakes for the idle timeout when it comes before the next comment', () => {
    expect(planStreamWake(960, 0, 940, false, IDLE, KEEP)).toEqual({ idle: false, keepAlive: false, inMs: 40 });
    expect(planStreamWake(1_000, 0, 990, false, IDLE, KEEP)).toEqual({ idle: true, keepAlive: false, inMs: 0 });
  });

  it('neither cuts nor sends a comment while the client is not reading, and checks again within an interval', () => {
    expect(planStreamWake(5_000, 0, 0, true, IDLE, KEEP)).toEqual({ idle: false, keepAlive: false, inMs: KEEP });
    expect(planStreamWake(5_000, 0, 0, true, 50, KEEP)).toEqual({ idle: false, keepAlive: false, inMs: 50 });
  });
});
