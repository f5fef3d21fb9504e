import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StopSwitch } from '../upstream/stop-switch.js';
import { RECHECK_EVERY_MS, RunningRequests } from './running-requests.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function setUp(): { running: RunningRequests; rechecked: string[][] } {
  const rechecked: string[][] = [];
  return { running: new RunningRequests((ids) => rechecked.push(ids)), rechecked };
}

describe('RunningRequests.stopKey', () => {
  it('stops every running request of the key, with the reason, and no other', () => {
    const { running } = setUp();
    const [a1, b, a2] = [new StopSwitch(), new StopSwitch(), new StopSwitch()];
    running.start('key_a', a1);
    running.start('key_b', b);
    running.start('key_a', a2);
    const reason = new Error('revoked');

    expect(running.stopKey('key_a', reason)).toBe(2);
    expect([a1.aborted, a2.aborted, b.aborted]).toEqual([true, true, false]);
    expect(a1.reason).toBe(reason);
    expect(a2.reason).toBe(reason);
    expect(running.size).toBe(1);
  });

  it('stops nothing of a request that has ended, and ending a stopped one changes nothing', () => {
    const { running } = setUp();
    const ended = new StopSwitch();
    const stopped = new StopSwitch();
    const other = new StopSwitch();
    running.end(running.start('key_a', ended));
    const entry = running.start('key_a', stopped);
    running.start('key_b', other);

    expect(running.stopKey('key_a', 'revoked')).toBe(1);
    expect(ended.aborted).toBe(false);
    running.end(entry);
    running.end(entry);
    expect(running.size).toBe(1);
    expect(running.stopKey('key_b', 'revoked')).toBe(1);
    expect(running.size).toBe(0);
  });

  it('keeps the list whole when a stopped request ends itself from its abort listener', () => {
    const { running } = setUp();
    const first = new StopSwitch();
    const second = new StopSwitch();
    const third = new StopSwitch();
    running.start('key_a', first);
    const secondEntry = running.start('key_a', second);
    running.start('key_b', third);
    // As a handler would, were its end synchronous with the abort.
    first.addEventListener('abort', () => running.end(secondEntry));

    expect(running.stopKey('key_a', 'revoked')).toBe(2);
    expect(second.aborted).toBe(true);
    expect(running.size).toBe(1);
    expect(running.stopKey('key_b', 'revoked')).toBe(1);
  });
});

describe('RunningRequests rechecking the keys of long requests', () => {
  it('hands on the keys of requests running since the previous look, each key once', () => {
    const { running, rechecked } = setUp();
    running.start('key_a', new StopSwitch());
    running.start('key_a', new StopSwitch());
    vi.advanceTimersByTime(RECHECK_EVERY_MS);
    // Running for less than a full interval at the first look: not yet.
    expect(rechecked).toEqual([]);
    running.start('key_b', new StopSwitch());
    vi.advanceTimersByTime(RECHECK_EVERY_MS);
    expect(rechecked).toEqual([['key_a']]);
    vi.advanceTimersByTime(RECHECK_EVERY_MS);
    expect(rechecked).toEqual([['key_a'], ['key_a', 'key_b']]);
  });

  it('never hands on a request that ended between two looks, nor one that was stopped', () => {
    const { running, rechecked } = setUp();
    running.end(running.start('key_short', new StopSwitch()));
    running.start('key_stopped', new StopSwitch());
    vi.advanceTimersByTime(RECHECK_EVERY_MS);
    running.stopKey('key_stopped', 'revoked');
    vi.advanceTimersByTime(RECHECK_EVERY_MS * 3);
    expect(rechecked).toEqual([]);
  });

  it('arms no timer while no request runs, and one at most while many do', () => {
    const { running } = setUp();
    expect(vi.getTimerCount()).toBe(0);
    const entries = Array.from({ length: 100 }, (_, i) => running.start(`key_${i % 7}`, new StopSwitch()));
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(RECHECK_EVERY_MS);
    expect(vi.getTimerCount()).toBe(1);
    for (const entry of entries) running.end(entry);
    // The timer armed looks once more, finds nothing, and is not armed again.
    vi.advanceTimersByTime(RECHECK_EVERY_MS);
    expect(vi.getTimerCount()).toBe(0);
    running.start('key_again', new StopSwitch());
    expect(vi.getTimerCount()).toBe(1);
  });
});
