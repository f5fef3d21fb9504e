import { describe, expect, it } from 'vitest';
import { SpendCoalescer } from './spend-coalescer.js';

type Sent = [string, number, number];

function recorder(options: { delayMs?: number } = {}) {
  const sent: Sent[] = [];
  const coalescer = new SpendCoalescer(async (id, usd, periodStart) => {
    sent.push([id, usd, periodStart]);
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

  it('owes a key its charges while they wait and while they are sent, not once they are answered (a read of the key on the reader waits only then)', async () => {
    let answer!: () => void;
    const coalescer = new SpendCoalescer(() => new Promise<void>((resolve) => (answer = resolve)), 60_000);
    expect(coalescer.owes('a')).toBe(false);
    const charged = coalescer.add('a', 1, 0);
    expect([coalescer.owes('a'), coalescer.owes('b')]).toEqual([true, false]);
    const sent = coalescer.sendNow();
    expect(coalescer.owes('a')).toBe(true);
    answer();
    await Promise.all([charged, sent]);
    expect(coalescer.owes('a')).toBe(false);
  });

  it('gives every charge merged into one call the same promise: nothing is kept per request while charges gather', () => {
    const { coalescer } = recorder({ delayMs: 60_000 });
    const first = coalescer.add('a', 1, 0);
    expect(coalescer.add('a', 2, 0)).toBe(first);
    expect(coalescer.add('b', 2, 0)).not.toBe(first);
    void coalescer.close();
  });

  it('a kept charge that later fails with no request waiting on it does not become an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      let calls = 0;
      const coalescer = new SpendCoalescer(
        async () => {
          // First refused unapplied (kept for a retry, its caller resolved), then a failure that may have applied.
          if (calls++ === 0) throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
          throw new Error('the store did not answer keys.addSpend within 30000 ms');
        },
        0,
        { retryMinMs: 5, retryMaxMs: 5, warn: () => {} },
      );
      await coalescer.add('a', 1, 0);
      await tick(50);
      expect(calls).toBe(2);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
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

  it('keeps a charge the store refused unapplied, sends it again merged with newer ones, one call at a time: no spend is forgotten', async () => {
    let down = true;
    let attempts = 0;
    const sent: Sent[] = [];
    const warnings: string[] = [];
    const coalescer = new SpendCoalescer(
      async (id, usd, periodStart) => {
        attempts++;
        if (down) throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
        sent.push([id, usd, periodStart]);
      },
      0,
      { retryMinMs: 40, retryMaxMs: 40, warn: (m) => warnings.push(m) },
    );
    // The callers are answered once their charge is kept: a long outage holds one merged charge, not a promise per request.
    await coalescer.add('a', 1, 0);
    const later: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) {
      later.push(coalescer.add('a', 0.5, 0));
      await tick(5);
    }
    await Promise.all(later);
    // One attempt per backoff, not one per charge.
    expect(attempts).toBeLessThanOrEqual(5);
    expect(sent).toEqual([]);
    down = false;
    await tick(100);
    expect(sent).toEqual([['a', 11, 0]]);
    expect(warnings).toEqual([expect.stringMatching(/could not write charges to keys \(database is locked\); they are kept and sent again/), 'charges to keys are being written again']);
  });

  it('never sends again a charge whose call may have been applied (a timeout): that would charge twice', async () => {
    let attempts = 0;
    const coalescer = new SpendCoalescer(
      async () => {
        attempts++;
        throw new Error('the store did not answer keys.addSpend within 30000 ms');
      },
      0,
      { retryMinMs: 10, retryMaxMs: 10, warn: () => {} },
    );
    await expect(coalescer.add('a', 1, 0)).rejects.toThrow('did not answer');
    await tick(50);
    expect(attempts).toBe(1);
  });

  it('writes everything on close, tries again until its deadline, then gives up and says so', async () => {
    const { sent, coalescer } = recorder({ delayMs: 60_000 });
    const ok = coalescer.add('a', 1, 0);
    await coalescer.close();
    await expect(ok).resolves.toBeUndefined();
    expect(sent).toEqual([['a', 1, 0]]);
    // After close a charge is sent at once: no timer would fire before the store is gone.
    await coalescer.add('late', 1, 0);
    expect(sent.at(-1)).toEqual(['late', 1, 0]);

    const warnings: string[] = [];
    let attempts = 0;
    const failing = new SpendCoalescer(
      async () => {
        attempts++;
        throw new Error('database is locked');
      },
      60_000,
      { retryMinMs: 10, retryMaxMs: 20, closeDeadlineMs: 100, warn: (m) => warnings.push(m) },
    );
    const charged = failing.add('b', 0.25, 0);
    const started = Date.now();
    await failing.close();
    await charged;
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(attempts).toBeGreaterThan(2);
    expect(warnings.at(-1)).toBe('could not write $0.25 of charges to 1 key(s) before shutting down (nowhere to keep them); their stored spend is short by that much');
  });

  it('hands what the store still refused at the deadline to keepForLater, and settles its callers', async () => {
    const kept: unknown[] = [];
    const warnings: string[] = [];
    const coalescer = new SpendCoalescer(
      async () => {
        throw new Error('database is locked');
      },
      60_000,
      { retryMinMs: 10, retryMaxMs: 20, closeDeadlineMs: 50, warn: (m) => warnings.push(m), keepForLater: async (charges) => void kept.push(...charges) },
    );
    const charge = coalescer.add('k', 0.5, 7);
    await coalescer.close();
    await expect(charge).resolves.toBeUndefined();
    expect(kept).toEqual([{ id: 'k', usd: 0.5, periodStart: 7 }]);
    expect(warnings.at(-1)).toBe('kept $0.5 of charges to 1 key(s) that the store did not take before shutting down; they are written at the next start');
  });

  it('puts aside a charge made while close() is putting the others aside (a late request), instead of losing it', async () => {
    const kept: { usd: number }[] = [];
    let keeping = 0;
    const coalescer = new SpendCoalescer(
      async () => {
        throw new Error('the store is closing');
      },
      60_000,
      {
        retryMinMs: 5,
        retryMaxMs: 5,
        closeDeadlineMs: 20,
        warn: () => {},
        keepForLater: async (charges) => {
          keeping++;
          await tick(30);
          kept.push(...charges);
        },
      },
    );
    void coalescer.add('k', 1, 0);
    const closing = coalescer.close();
    while (keeping === 0) await tick(2);
    await coalescer.add('k', 5, 0);
    await closing;
    await tick(80);
    expect(kept.reduce((sum, c) => sum + c.usd, 0)).toBe(6);
  });
});
