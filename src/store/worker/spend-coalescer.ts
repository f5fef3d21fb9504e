import { refusedUnapplied } from '../store-unavailable.js';

type Send = (id: string, usd: number, periodStart: number) => Promise<unknown>;


/** A charge to a key in the budget period starting at `periodStart`, as kept across a restart. */
export interface KeptCharge {
  id: string;
  usd: number;
  periodStart: number;
}

/**
 * A merged charge, and the one promise every request merged into it gets: one per key and period
 * every SPEND_FLUSH_MS, not a promise and two callbacks per request kept that long.
 */
interface Charge extends KeptCharge {
  done: Promise<void>;
  resolve(): void;
  reject(err: Error): void;
}

function newCharge(id: string, usd: number, periodStart: number): Charge {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A charge kept for a retry may fail with no request left waiting on it: that failure is
  // reported by its callers when there are any, and must not end the process when there are none.
  done.catch(() => undefined);
  return { id, usd, periodStart, done, resolve, reject };
}

export interface SpendRetryOptions {
  /** First and longest wait before a charge the store did not take is sent again. */
  retryMinMs: number;
  retryMaxMs: number;
  /** How long close() keeps trying to write what is left before it gives up on it. */
  closeDeadlineMs: number;
  warn: (message: string) => void;
  /**
   * Where close() puts the charges the store still refused at its deadline (a file replayed at the
   * next start); resolves once they are safe. Without it, or if it fails, they are lost, and said so.
   */
  keepForLater?: (charges: KeptCharge[]) => Promise<void>;
}

const DEFAULT_RETRY: SpendRetryOptions = {
  retryMinMs: 500,
  retryMaxMs: 30_000,
  closeDeadlineMs: 10_000,
  warn: (message) => console.warn(`moongate: ${message}`),
};

/**
 * Merges the charges made to keys (`keys.addSpend`, one per priced request) into one call per key
 * and budget period, so that under load the writer thread runs a few UPDATEs a second instead of
 * one message and one transaction per request. Charges to the same key in the same period add up
 * (`addSpend(k, a, p); addSpend(k, b, p)` is `addSpend(k, a + b, p)`), so the stored totals are
 * the same. Charges are gathered for `delayMs` after the first one that finds nothing waiting (to
 * the next turn of the event loop when 0); every caller's promise settles when its charge is
 * written. `sendNow()` sends what is waiting at once, for a read that must see it.
 *
 * A charge the store refused without applying it (refusedUnapplied: locked by another process,
 * disk full, closing) is kept,
 * merged with what comes next, and sent again with backoff: a budget must not forget spend because
 * the store was busy. Its callers' promises resolve once it is kept, so that a long outage holds
 * one merged charge per key, not one promise per request. A failure that may have been applied
 * after all (a call that timed out still runs in the store thread) is never sent again: that
 * would charge twice. Such a charge rejects its callers, who say so.
 */
export class SpendCoalescer {
  private pending = new Map<string, Charge>();
  private scheduled: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private readonly inFlight = new Set<Promise<void>>();
  /** The charges sent and not answered yet (for owes). */
  private readonly sending = new Set<Charge>();
  private closing = false;
  /** close() has given up on the store: charges it refuses now go straight to putAside(). */
  private closed = false;
  private readonly retry: SpendRetryOptions;

  constructor(
    private readonly send: Send,
    private readonly delayMs = 0,
    retry: Partial<SpendRetryOptions> = {},
  ) {
    this.retry = { ...DEFAULT_RETRY, ...retry };
  }

  add(id: string, usd: number, periodStart: number): Promise<void> {
    const key = `${periodStart}\u0000${id}`;
    let charge = this.pending.get(key);
    if (charge) charge.usd += usd;
    else this.pending.set(key, (charge = newCharge(id, usd, periodStart)));
    // Shutting down: no timer to wait for (it would fire after the store is gone).
    if (this.closing) void this.sendNow();
    else this.schedule();
    return charge.done;
  }

  /**
   * Sends every charge waiting now (alongside a send already under way: the updates add up) and
   * resolves when those, and any send already under way, are answered. Charges made after the
   * call are not waited for, so a busy gateway cannot keep a reader waiting.
   */
  sendNow(): Promise<void> {
    this.unschedule();
    if (this.pending.size > 0) {
      const charges = [...this.pending.values()];
      this.pending = new Map();
      const sending = Promise.all(charges.map((c) => this.sendOne(c))).then(() => undefined);
      this.inFlight.add(sending);
      void sending.finally(() => this.inFlight.delete(sending));
    }
    return Promise.all(this.inFlight).then(() => undefined);
  }

  /** True while a charge to key `id` is waiting, or sent and not answered: a read of the key may not have it yet. */
  owes(id: string): boolean {
    for (const c of this.pending.values()) if (c.id === id) return true;
    for (const c of this.sending) if (c.id === id) return true;
    return false;
  }

  /**
   * For shutdown: sends what is waiting, and from now on every charge at once. Charges the store
   * does not take are tried again until `closeDeadlineMs`; then they are given up, and said so.
   */
  async close(): Promise<void> {
    this.closing = true;
    const deadline = Date.now() + this.retry.closeDeadlineMs;
    await this.sendNow();
    while (this.pending.size > 0 && Date.now() < deadline) {
      this.clearRetry();
      await new Promise((resolve) => setTimeout(resolve, Math.min(this.backoffMs(), Math.max(0, deadline - Date.now()))));
      await this.sendNow();
    }
    this.clearRetry();
    this.closed = true;
    await this.putAside();
  }

  /**
   * What is still pending once close() has given up on the store: to keepForLater, or reported
   * lost. Charges kept while this runs (a late request's, refused by the closing store) go too.
   */
  private async putAside(): Promise<void> {
    while (this.pending.size > 0) {
      const left = [...this.pending.values()];
      this.pending = new Map();
      const usd = left.reduce((sum, c) => sum + c.usd, 0);
      const keys = new Set(left.map((c) => c.id)).size;
      try {
        if (!this.retry.keepForLater) throw new Error('nowhere to keep them');
        await this.retry.keepForLater(left.map(({ id, usd: amount, periodStart }) => ({ id, usd: amount, periodStart })));
        this.retry.warn(`kept $${usd} of charges to ${keys} key(s) that the store did not take before shutting down; they are written at the next start`);
        for (const charge of left) charge.resolve();
      } catch (err) {
        this.retry.warn(`could not write $${usd} of charges to ${keys} key(s) before shutting down (${err instanceof Error ? err.message : String(err)}); their stored spend is short by that much`);
        const lost = new Error('the store did not take the charge before shutdown');
        for (const charge of left) charge.reject(lost);
      }
    }
  }

  private schedule(): void {
    // While the store refuses, the retry timer sends what has gathered: one call at a time, rather
    // than one every delay, each waiting out the lock in the store thread's queue.
    if (this.scheduled !== undefined || this.retryTimer !== undefined) return;
    const fire = (): void => {
      this.scheduled = undefined;
      void this.sendNow();
    };
    // Unref'd: charges waiting never hold up exit; close() writes them.
    this.scheduled = this.delayMs > 0 ? setTimeout(fire, this.delayMs).unref() : setImmediate(fire);
  }

  private unschedule(): void {
    if (this.scheduled === undefined) return;
    if (this.delayMs > 0) clearTimeout(this.scheduled as NodeJS.Timeout);
    else clearImmediate(this.scheduled as NodeJS.Immediate);
    this.scheduled = undefined;
  }

  private sendOne(charge: Charge): Promise<void> {
    this.sending.add(charge);
    return this.send(charge.id, charge.usd, charge.periodStart).then(
      () => {
        this.sending.delete(charge);
        if (this.failures > 0) this.retry.warn('charges to keys are being written again');
        this.failures = 0;
        charge.resolve();
      },
      (err: unknown) => {
        this.sending.delete(charge);
        if (refusedUnapplied(err)) return this.keep(charge, err);
        const failure = err instanceof Error ? err : new Error(String(err));
        charge.reject(failure);
      },
    );
  }

  /** A charge the store did not take waits, merged with newer ones, for a send after the backoff. */
  private keep(charge: Charge, err: unknown): void {
    if (this.failures++ === 0) this.retry.warn(`could not write charges to keys (${err instanceof Error ? err.message : String(err)}); they are kept and sent again`);
    charge.resolve();
    const key = `${charge.periodStart}\u0000${charge.id}`;
    const waiting = this.pending.get(key);
    if (waiting) waiting.usd += charge.usd;
    else this.pending.set(key, newCharge(charge.id, charge.usd, charge.periodStart));
    // close() runs its own retries, bounded by its deadline; after it, straight to the side.
    if (this.closed) void this.putAside();
    else if (!this.closing && this.retryTimer === undefined) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        void this.sendNow();
      }, this.backoffMs()).unref();
    }
  }

  private backoffMs(): number {
    return Math.min(this.retry.retryMaxMs, this.retry.retryMinMs * 2 ** Math.max(0, this.failures - 1));
  }

  private clearRetry(): void {
    if (this.retryTimer === undefined) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }
}
