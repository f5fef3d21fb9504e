import { describe, expect, it } from 'vitest';
import { SpendCoalescer } from './spend-coalescer.js';

type Sent = [string, number, number];

function recorder(fail?: (id: string) => boolean) {
  const sent: Sent[] = [];
  const coalescer = new SpendCoalescer(async (id, usd, periodStart) => {
    sent.push([id, usd, periodStart]);
    if (fail?.(id)) throw new Error(`no key ${id}`);
  });
  return { sent, coalescer };
}

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

  it('sends what arrives while a call runs once that call is answered', async () => {
    const sent: Sent[] = [];
    let release!: () => void;
    const coalescer = new SpendCoalescer((id, usd, periodStart) => {
      sent.push([id, usd, periodStart]);
      return sent.length === 1 ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
    });
    const first = coalescer.add('a', 1, 0);
    await new Promise((resolve) => setImmediate(resolve));
    const later = [coalescer.add('a', 1, 0), coalescer.add('a', 1, 0)];
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toHaveLength(1);
    release();
    await Promise.all([first, ...later]);
    expect(sent).toEqual([
      ['a', 1, 0],
      ['a', 2, 0],
    ]);
  });

  it('rejects only the charges whose call failed, and settles everything before shutdown', async () => {
    const { sent, coalescer } = recorder((id) => id === 'gone');
    const ok = coalescer.add('a', 1, 0);
    const bad = expect(coalescer.add('gone', 1, 0)).rejects.toThrow('no key gone');
    await coalescer.settled();
    await expect(ok).resolves.toBeUndefined();
    await bad;
    expect(sent).toHaveLength(2);
  });
});

describe('SpendCoalescer with a delay', () => {
  it('gathers the charges of the whole delay into one call, and settled() sends them at once', async () => {
    const sent: Sent[] = [];
    const delayed = new SpendCoalescer(async (id, usd, periodStart) => void sent.push([id, usd, periodStart]), 60_000);
    const charges = [delayed.add('a', 1, 0)];
    await new Promise((resolve) => setTimeout(resolve, 20));
    charges.push(delayed.add('a', 2, 0));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sent).toEqual([]);
    await delayed.settled();
    await Promise.all(charges);
    expect(sent).toEqual([['a', 3, 0]]);
  });

  it('sends on its own once the delay has passed', async () => {
    const sent: Sent[] = [];
    const delayed = new SpendCoalescer(async (id, usd, periodStart) => void sent.push([id, usd, periodStart]), 30);
    await Promise.all([delayed.add('a', 1, 0), delayed.add('b', 1, 0)]);
    expect(sent).toEqual([
      ['a', 1, 0],
      ['b', 1, 0],
    ]);
  });
});
