import { describe, expect, it } from 'vitest';
import { SpendCoalescer } from './spend-coalescer.js';

type Sent = [string, number, number];

function recorder(options: { delayMs?: number; fail?: (id: string) => boolean } = {}) {
  const sent: Sent[] = [];
  const coalescer = new SpendCoalescer(async (id, usd, periodStart) => {
    sent.push([id, usd, periodStart]);
    if (options.fail?.(id)) throw new Error(`no key ${id}`);
  }, options.delayMs);
  return { sent, coalescer };
}

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SpendCoalescer', () => {
  it('merges charges to the same key and period made in one turn into one call', async () => {
    const { sent, coalescer } = recorder();
    await Promise.all([coalescer.add('a', 0.5, 10), coalescer.add('a', 0.25, 10), coalescer.add('b', 1, 10), coalescer.add('a', 2, 20)]);
    expect(sent).toEqual([
      ['a', 0.75, 10],
      ['b', 1, 10],
      ['a', 2, 20],
    ]);
  });

  it('gathers the charges of the whole delay into one call', async () => {
    const { sent, coalescer } = recorder({ delayMs: 40 });
    const charges = [coalescer.add('a', 1, 0)];
    await tick(10);
    charges.push(coalescer.add('a', 2, 0));
    expect(sent).toEqual([]);
    await Promise.all(charges);
    expect(sent).toEqual([['a', 3, 0]]);
  });

  it('sendNow sends what waits at once, and does not wait for charges made after it', async () => {
    const sent: Sent[] = [];
    const releases: (() => void)[] = [];
    const coalescer = new SpendCoalescer((id, usd, periodStart) => {
      sent.push([id, usd, periodStart]);
      return new Promise<void>((resolve) => releases.push(resolve));
    }, 60_000);
    void coalescer.add('a', 1, 0);
    const read = coalescer.sendNow();
    expect(sent).toEqual([['a', 1, 0]]);
    // A charge made while the first is being written goes in its own send, not awaited by `read`.
    void coalescer.add('a', 2, 0);
    void coalescer.sendNow();
    expect(sent).toEqual([
      ['a', 1, 0],
      ['a', 2, 0],
    ]);
    const later = coalescer.sendNow();
    let readDone = false;
    let laterDone = false;
    void read.then(() => (readDone = true));
    void later.then(() => (laterDone = true));
    releases[0]!();
    await tick();
    // `read` came before the second charge: it is answered once the first is written.
    expect([readDone, laterDone]).toEqual([true, false]);
    releases[1]!();
    await tick();
    expect(laterDone).toBe(true);
  });

  it('rejects only the charges whose call failed, and writes everything on close', async () => {
    const { sent, coalescer } = recorder({ delayMs: 60_000, fail: (id) => id === 'gone' });
    const ok = coalescer.add('a', 1, 0);
    const bad = expect(coalescer.add('gone', 1, 0)).rejects.toThrow('no key gone');
    await coalescer.close();
    await expect(ok).resolves.toBeUndefined();
    await bad;
    expect(sent).toHaveLength(2);
    // After close a charge is sent at once: no timer would fire before the store is gone.
    await coalescer.add('late', 1, 0);
    expect(sent.at(-1)).toEqual(['late', 1, 0]);
  });
});
