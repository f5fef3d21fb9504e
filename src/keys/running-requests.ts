import { IntrusiveList, ListEntry } from '../server/intrusive-list.js';

/** What stops a running request: its StopSwitch. */
export interface Stoppable {
  abort(reason: unknown): void;
}

/** A running request's place in the list: emptied when it ends or is stopped, so a dead entry holds nothing. */
export class RunningRequest extends ListEntry {
  /** Present at the last look (see RunningRequests.look): it has been running for a while since. */
  seen = false;
  constructor(
    public keyId: string | undefined,
    public request: Stoppable | undefined,
  ) {
    super();
  }
}

/** How often the keys of long requests are read again: a revocation elsewhere stops them within about this, plus the store's answer. */
export const RECHECK_EVERY_MS = 2_000;

/**
 * The requests with a gateway key that are running in this process, so that revoking the key can
 * stop them: a stream goes on for minutes (a reasoning model's), spending on a key the operator has
 * just revoked, perhaps because it leaked.
 *
 * A request joins with one append to an IntrusiveList and leaves with one unlink, no clock read
 * and no timer of its own (not a Map or Set per key, for the reason IntrusiveList gives). Stopping
 * a key's requests walks the whole list; revocations are rare, requests are many.
 *
 * A key revoked through another process on the same store reaches this one when the key is next
 * read from the store, and a long stream reads nothing. So while any request runs, one timer looks
 * every RECHECK_EVERY_MS: the keys of the requests that were already running at its previous look
 * (running RECHECK_EVERY_MS or more) go to `recheck`, which reads them again; a request that
 * started and ended between two looks costs the timer nothing. With no request running the timer
 * is not armed.
 */
export class RunningRequests {
  private readonly list = new IntrusiveList<RunningRequest>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    /** Reads these keys again (from the store); it stops their requests if they are revoked (stopKey). */
    private readonly recheck: (keyIds: string[]) => void,
    private readonly everyMs: number = RECHECK_EVERY_MS,
  ) {}

  get size(): number {
    return this.list.size;
  }

  /** Adds a request of a key; `end` it when it is over. */
  start(keyId: string, request: Stoppable): RunningRequest {
    const entry = this.list.append(new RunningRequest(keyId, request));
    // Unref'd: a gateway closing does not wait for it (its requests are stopped by then anyway).
    this.timer ??= setTimeout(this.look, this.everyMs).unref();
    return entry;
  }

  /** Takes the request out (once it is over; a second call, or one after stopKey, does nothing). */
  end(entry: RunningRequest): void {
    if (this.list.remove(entry)) entry.keyId = entry.request = undefined;
  }

  /** Stops every running request of the key, with `reason` (their switches' abort reason); how many it stopped. */
  stopKey(keyId: string, reason: unknown): number {
    const stopping: Stoppable[] = [];
    for (let e = this.list.first; e; ) {
      const next = this.list.after(e);
      if (e.keyId === keyId) {
        stopping.push(e.request!);
        // Out of the list at once: a stopped request is never rechecked, whenever its handler ends it.
        this.end(e);
      }
      e = next;
    }
    // After the walk: an abort runs listeners synchronously, and they must not change the list under it.
    for (const request of stopping) request.abort(reason);
    return stopping.length;
  }

  /** The timer's look: the keys of requests running since the last look go to `recheck`; the others are marked for the next. */
  private readonly look = (): void => {
    this.timer = undefined;
    let long: Set<string> | undefined;
    for (let e = this.list.first; e; e = this.list.after(e)) {
      if (e.seen) (long ??= new Set()).add(e.keyId!);
      else e.seen = true;
    }
    if (this.list.size > 0) this.timer = setTimeout(this.look, this.everyMs).unref();
    if (long) this.recheck([...long]);
  };
}
