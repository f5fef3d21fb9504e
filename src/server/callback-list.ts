import { IntrusiveList, ListEntry } from './intrusive-list.js';

/** A callback's place in the list: emptied on removal, so a dead entry holds nothing. */
export class CallbackEntry extends ListEntry {
  constructor(public callback: (() => void) | undefined) {
    super();
  }
}

/**
 * Callbacks that requests add and remove as they come and go (how to stop each request in flight,
 * requests waiting for capacity), in an IntrusiveList (which says why not a Set).
 */
export class CallbackList {
  private readonly list = new IntrusiveList<CallbackEntry>();

  get size(): number {
    return this.list.size;
  }

  /** Adds at the end: callAll calls in the order added (the longest-waiting request is woken first). */
  add(callback: () => void): CallbackEntry {
    return this.list.append(new CallbackEntry(callback));
  }

  /** Takes the entry out (a second call does nothing) and empties it. */
  remove(entry: CallbackEntry): void {
    if (this.list.remove(entry)) entry.callback = undefined;
  }

  /** Calls every callback in the list, oldest first; what one does (removing others, say) cannot skip another. */
  callAll(): void {
    const callbacks: (() => void)[] = [];
    for (let e = this.list.first; e; e = this.list.after(e)) callbacks.push(e.callback!);
    for (const callback of callbacks) callback();
  }
}
