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
 * the same. A charge is sent on the next turn of the event loop, or when the call before it is
 * answered if one is still running; every caller's promise settles when its charge is written.
 */
export class SpendCoalescer {
  private pending = new Map<string, Charge>();
  private scheduled = false;
  private running: Promise<void> | undefined;

  constructor(private readonly send: Send) {}

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
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.running) this.run();
    });
  }

  private run(): void {
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
