import type { LogRepository } from '../store/store.js';

export interface RetentionOptions {
  /** Records older than this many days are deleted. */
  days: number;
  /** Rows per DELETE: small enough that log writes never wait long behind one. */
  batchSize?: number;
  /** Pause between batches, for the same reason. */
  pauseMs?: number;
  /** How often to sweep. */
  intervalMs?: number;
  /** First sweep this long after start (not during start-up). */
  firstDelayMs?: number;
  now?: () => number;
  warn?: (message: string) => void;
}

const DAY_MS = 86_400_000;

/**
 * `logging.retention_days`: deletes old records in small batches on a timer, never on the
 * request path and never in one huge transaction that would hold up log writes.
 */
export class RetentionSweeper {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<number> | undefined;
  private stopped = false;
  private readonly o: Required<RetentionOptions>;

  constructor(
    private readonly repo: Pick<LogRepository, 'deleteOlderThan'>,
    options: RetentionOptions,
  ) {
    this.o = {
      batchSize: 1_000,
      pauseMs: 50,
      intervalMs: 3_600_000,
      firstDelayMs: 30_000,
      now: Date.now,
      warn: (m) => console.warn(`moongate: ${m}`),
      ...options,
    };
  }

  start(): void {
    this.arm(this.o.firstDelayMs);
  }

  /** Deletes everything past retention; resolves with how many records went. */
  sweep(): Promise<number> {
    this.sweeping ??= this.run().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.sweeping?.catch(() => undefined);
  }

  private arm(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.sweep()
        .catch((err: unknown) => this.o.warn(`log retention sweep failed: ${err instanceof Error ? err.message : String(err)}`))
        .finally(() => this.arm(this.o.intervalMs));
    }, delayMs);
    this.timer.unref();
  }

  private async run(): Promise<number> {
    const cutoff = this.o.now() - this.o.days * DAY_MS;
    let total = 0;
    for (;;) {
      const deleted = await this.repo.deleteOlderThan(cutoff, this.o.batchSize);
      total += deleted;
      if (deleted < this.o.batchSize || this.stopped) return total;
      await new Promise((resolve) => setTimeout(resolve, this.o.pauseMs));
    }
  }
}
