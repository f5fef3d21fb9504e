import { describe, expect, it } from 'vitest';
import { IntrusiveList, ListEntry } from './intrusive-list.js';

class Named extends ListEntry {
  constructor(readonly name: string) {
    super();
  }
}

const names = (list: IntrusiveList<Named>): string[] => {
  const out: string[] = [];
  for (let e = list.first; e; e = list.after(e)) out.push(e.name);
  return out;
};

describe('IntrusiveList', () => {
  it('keeps entries in the order added, and removes from the head, the middle and the tail', () => {
    const list = new IntrusiveList<Named>();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => list.append(new Named(n)));
    expect(names(list)).toEqual(['a', 'b', 'c', 'd']);
    expect(list.size).toBe(4);
    expect(list.remove(b!)).toBe(true);
    expect(names(list)).toEqual(['a', 'c', 'd']);
    expect(list.remove(a!)).toBe(true);
    expect(list.remove(d!)).toBe(true);
    expect(names(list)).toEqual(['c']);
    expect(list.remove(c!)).toBe(true);
    expect(names(list)).toEqual([]);
    expect(list.size).toBe(0);
    expect(list.first).toBeUndefined();
  });

  it('does nothing for an entry removed twice, and unlinks a removed entry from its neighbours', () => {
    const list = new IntrusiveList<Named>();
    const a = list.append(new Named('a'));
    const b = list.append(new Named('b'));
    list.append(new Named('c'));
    expect(list.remove(b)).toBe(true);
    expect(list.remove(b)).toBe(false);
    expect(list.size).toBe(2);
    expect(b.prev).toBeUndefined();
    expect(b.next).toBeUndefined();
    expect(b.linked).toBe(false);
    expect(names(list)).toEqual(['a', 'c']);
    // An entry may join again once out.
    list.append(b);
    expect(names(list)).toEqual(['a', 'c', 'b']);
    expect(a.linked && b.linked).toBe(true);
  });
});
