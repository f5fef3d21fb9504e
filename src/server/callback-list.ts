/** A callback's place in the list: emptied on removal, so a dead entry holds nothing. */
export class CallbackEntry {
  constructor(
    public callback: (() => void) | undefined,
    public prev: CallbackEntry | undefined,
    public next: CallbackEntry | undefined,
  ) {}
}

/**
 * Callbacks that requests add and remove as they come and go (how to stop each request in flight,
 * requests waiting for capacity): a linked list whose entries are emptied on removal, not a Set.
 * Why: a long-lived Set that requests keep entering and leaving rebuilds its hash table every few
 * additions, and once its table is in V8's old generation each new one is made there too. A
 * discarded old table still points at what it held, and the scavenger keeps that alive until the
 * next full collection: every request in the Set at a rebuild (its callback, and through it the
 * handler's scope: req, res, bodies) was copied to the old generation. Measured with
 * `--trace-gc-nvp` at 8 connections: 3.2 KB promoted a request with the Set of shutdown stops,
 * 0.2 KB with this list (docs/performance.md, eighth round).
 */
export class CallbackList {
  private first: CallbackEntry | undefined;
  private last: CallbackEntry | undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds at the end: callAll calls in the order added (the longest-waiting request is woken first). */
  add(callback: () => void): CallbackEntry {
    const entry = new CallbackEntry(callback, this.last, undefined);
    if (this.last) this.last.next = entry;
    else this.first = entry;
    this.last = entry;
    this.count++;
    return entry;
  }

  /** Takes the entry out (a second call does nothing) and empties it. */
  remove(entry: CallbackEntry): void {
    if (entry.callback === undefined) return;
    if (entry.prev) entry.prev.next = entry.next;
    else this.first = entry.next;
    if (entry.next) entry.next.prev = entry.prev;
    else this.last = entry.prev;
    entry.callback = entry.prev = entry.next = undefined;
    this.count--;
  }

  /** Calls every callback in the list, oldest first; what one does (removing others, say) cannot skip another. */
  callAll(): void {
    const callbacks: (() => void)[] = [];
    for (let e = this.first; e; e = e.next) callbacks.push(e.callback!);
    for (const callback of callbacks) callback();
  }
}
