import { describe, expect, it } from 'vitest';
import { CallbackList } from './callback-list.js';

describe('CallbackList', () => {
  it('calls every callback still in the list, and none that left it', () => {
    const list = new CallbackList();
    const stopped: string[] = [];
    const a = list.add(() => stopped.push('a'));
    list.add(() => stopped.push('b'));
    const c = list.add(() => stopped.push('c'));
    list.add(() => stopped.push('d'));
    list.remove(c);
    list.remove(a);
    expect(list.size).toBe(2);
    list.callAll();
    expect(stopped).toEqual(['b', 'd']);
  });

  it('calls in the order added, after removals at either end too', () => {
    const list = new CallbackList();
    const called: number[] = [];
    const entries = [0, 1, 2, 3, 4].map((i) => list.add(() => called.push(i)));
    list.remove(entries[0]!);
    list.remove(entries[4]!);
    list.add(() => called.push(5));
    list.callAll();
    expect(called).toEqual([1, 2, 3, 5]);
  });

  it('empties a removed entry, so that a dead one holds nothing, and ignores a second removal', () => {
    const list = new CallbackList();
    const first = list.add(() => undefined);
    const middle = list.add(() => undefined);
    const last = list.add(() => undefined);
    list.remove(middle);
    expect(middle).toMatchObject({ callback: undefined, prev: undefined, next: undefined });
    list.remove(middle);
    expect(list.size).toBe(2);
    list.remove(first);
    list.remove(last);
    expect(list.size).toBe(0);
    list.add(() => undefined);
    expect(list.size).toBe(1);
  });

  it('calls every callback even when one takes others out of the list', () => {
    const list = new CallbackList();
    const stopped: number[] = [];
    const entries = [0, 1, 2].map((i) =>
      list.add(() => {
        stopped.push(i);
        for (const e of entries) list.remove(e);
      }),
    );
    list.callAll();
    expect(stopped.sort()).toEqual([0, 1, 2]);
    expect(list.size).toBe(0);
  });
});
