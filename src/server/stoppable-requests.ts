/** One request's place in the list: emptied when the request ends, so a dead entry holds nothing. */
export class StopEntry {
  constructor(
    public stop: (() => void) | undefined,
    public prev: StopEntry | undefined,
    public next: StopEntry | undefined,
  ) {}
}

/**
 * The chat requests in flight that a shutdown past its drain time must stop: a linked list whose
 * entries are emptied on removal, not a Set. Why: a long-lived Set that requests keep entering and
 * leaving rebuilds its hash table every few additions, and once its table is in V8's old
 * generation each new one is made there too. A discarded old table still points at what it held,
 * and the scavenger keeps that alive until the next full collection: every request in flight at a
 * rebuild (its stop callback, and through it the handler's scope: req, res, bodies) was copied to
 * the old generation. Measured with `--trace-gc-nvp` at 8 connections: 3.2 KB promoted a request
 * with the Set, 0.2 KB without it (docs/performance.md, eighth round).
 */
export class StoppableRequests {
  private first: StopEntry | undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(stop: () => void): StopEntry {
    const entry = new StopEntry(stop, undefined, this.first);
    if (this.first) this.first.prev = entry;
    this.first = entry;
    this.count++;
    return entry;
  }

  /** Takes the entry out (a second call does nothing) and empties it. */
  remove(entry: StopEntry): void {
    if (entry.stop === undefined) return;
    if (entry.prev) entry.prev.next = entry.next;
    else this.first = entry.next;
    if (entry.next) entry.next.prev = entry.prev;
    entry.stop = entry.prev = entry.next = undefined;
    this.count--;
  }

  /** Calls every stop; what a stop does (a request ending, and leaving the list) cannot skip another. */
  stopAll(): void {
    const stops: (() => void)[] = [];
    for (let e = this.first; e; e = e.next) stops.push(e.stop!);
    for (const stop of stops) stop();
  }
}
