/**
 * A member of an IntrusiveList: the links are fields of the member itself, so joining a list
 * allocates nothing more than the member. Subclasses add what the member carries.
 */
export abstract class ListEntry {
  prev: ListEntry | undefined = undefined;
  next: ListEntry | undefined = undefined;
  /** In a list now. */
  linked = false;
}

/**
 * A doubly linked list of entries that requests add and remove as they come and go (how to stop
 * each request in flight, requests waiting for capacity, keyed requests running): not a Set or Map.
 * Why: a long-lived Set that requests keep entering and leaving rebuilds its hash table every few
 * additions, and once its table is in V8's old generation each new one is made there too. A
 * discarded old table still points at what it held, and the scavenger keeps that alive until the
 * next full collection: every request in the Set at a rebuild (its callback, and through it the
 * handler's scope: req, res, bodies) was copied to the old generation. Measured with
 * `--trace-gc-nvp` at 8 connections: 3.2 KB promoted a request with a Set of shutdown stops,
 * 0.2 KB with this list (docs/performance-history.md, eighth round).
 */
export class IntrusiveList<E extends ListEntry> {
  private head: E | undefined;
  private tail: E | undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The oldest entry; `after` walks on from it. */
  get first(): E | undefined {
    return this.head;
  }

  /** The entry added after `entry` (still in the list), if any. */
  after(entry: E): E | undefined {
    return entry.next as E | undefined;
  }

  /** Adds at the end: walks go oldest first. */
  append(entry: E): E {
    entry.prev = this.tail;
    entry.next = undefined;
    if (this.tail) this.tail.next = entry;
    else this.head = entry;
    this.tail = entry;
    entry.linked = true;
    this.count++;
    return entry;
  }

  /** Takes the entry out and unlinks it; false if it was not in the list (a second call). */
  remove(entry: E): boolean {
    if (!entry.linked) return false;
    if (entry.prev) entry.prev.next = entry.next;
    else this.head = entry.next as E | undefined;
    if (entry.next) entry.next.prev = entry.prev;
    else this.tail = entry.prev as E | undefined;
    entry.prev = entry.next = undefined;
    entry.linked = false;
    this.count--;
    return true;
  }
}
