type Send = (id: string, usd: number, periodStart: number) => Promise<unknown>;

interface Charge {
  id: string;
  usd: number;
  periodStart: number;
  waiters: { resolve(): void; reject(err: Error): void }[];
}

/**
 * Merges the charges made to keys (`keys.addSpend`, one per priced request) into one call per key
 * and budget period, so that under load the writer thread runs a few UPDATEs a second instead of
 * one message and one transaction per request. Charges to the same key in the same period add up
 * (`addSpend(k, a, p); addSpend(k, b, p)` is `addSpend(k, a + b, p)`), so the stored totals are
 * the same. Charges are gathered for `delayMs` after the first one that finds nothing waiting (to
 * the next turn of the event loop when 0); every caller's promise settles when its charge is
 * written. `sendNow()` sends what is waiting at once, for a read that must see it.
 */
export class SpendCoalescer {
  private pending = new Map<string, Charge>();
  private scheduled: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private closing = false;

  constructor(
    private readonly send: Send,
    private readonly delayMs = 0,
  ) {}

  add(id: string, usd: number, periodStart: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const key = `${periodStart}\u0000${id}`;
      const charge = this.pending.get(key);
      if (charge) {
        charge.usd += usd;
        charge.waiters.push({ resolve, reject });
      } else {
        this.pending.set(key, { id, usd, periodStart, waiters: [{ resolve, reject }] });
      }
      // Shutting down: no timer to wait for (it would fire after the store is gone).
      if (this.closing) void this.sendNow();
      else this.schedule();
    });
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

  /** For shutdown: sends what is waiting, and from now on every charge at once. */
  async close(): Promise<void> {
    this.closing = true;
    await this.sendNow();
  }

  private schedule(): void {
    if (this.scheduled !== undefined) return;
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
    return this.send(charge.id, charge.usd, charge.periodStart).then(
      () => charge.waiters.forEach((w) => w.resolve()),
      (err: unknown) => charge.waiters.forEach((w) => w.reject(err instanceof Error ? err : new Error(String(err)))),
    );
  }
}
