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
 * the next turn of the event loop when 0), and never sent while the call before is still running;
 * every caller's promise settles when its charge is written. `settled()` sends at once.
 */
export class SpendCoalescer {
  private pending = new Map<string, Charge>();
  private scheduled: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private running: Promise<void> | undefined;

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
      this.kick();
    });
  }

  /** Resolves when every charge added so far has been sent and answered (for shutdown). */
  async settled(): Promise<void> {
    while (this.running || this.pending.size > 0) {
      if (!this.running) this.run();
      await this.running;
    }
  }

  private kick(): void {
    if (this.running || this.scheduled || this.pending.size === 0) return;
    const fire = (): void => {
      this.scheduled = undefined;
      if (!this.running) this.run();
    };
    // Unref'd: charges waiting never hold up exit; close() writes them through settled().
    this.scheduled = this.delayMs > 0 ? setTimeout(fire, this.delayMs).unref() : setImmediate(fire);
  }

  private unschedule(): void {
    if (this.scheduled === undefined) return;
    if (this.delayMs > 0) clearTimeout(this.scheduled as NodeJS.Timeout);
    else clearImmediate(this.scheduled as NodeJS.Immediate);
    this.scheduled = undefined;
  }

  private run(): void {
    this.unschedule();
    if (this.pending.size === 0) return;
    const charges = [...this.pending.values()];
    this.pending = new Map();
    this.running = Promise.all(charges.map((c) => this.sendOne(c))).then(() => {
      this.running = undefined;
      this.kick();
    });
  }

  private sendOne(charge: Charge): Promise<void> {
    return this.send(charge.id, charge.usd, charge.periodStart).then(
      () => charge.waiters.forEach((w) => w.resolve()),
      (err: unknown) => charge.waiters.forEach((w) => w.reject(err instanceof Error ? err : new Error(String(err)))),
    );
  }
}
