import { randomBytes } from 'node:crypto';
import type { SharedBudgets, SharedBudgetView } from '../keys/virtual-keys.js';
import { HeldAmounts } from '../keys/held-amounts.js';
import { periodEnd } from '../keys/virtual-key.js';
import type { BudgetPeriod } from '../keys/virtual-key.js';
import { CHARGE_SCRIPT, HOLD_SCRIPT, READ_SCRIPT } from './budget-scripts.js';
import { LuaScript } from './lua-script.js';
import type { RedisLink } from './redis-link.js';

export interface RedisSharedBudgetsOptions {
  /** Namespace of every key (`moongate:`); budgets live under `<prefix>budget:`. */
  prefix: string;
  /** How often the keys in use are read: how late another replica's spend or hold is seen here. */
  refreshMs?: number;
  /** How long a replica's holds outlive it: renewed every third of it while its requests run. */
  holdTtlMs?: number;
  now?: () => number;
}

const charge = new LuaScript(CHARGE_SCRIPT);
const writeHold = new LuaScript(HOLD_SCRIPT);
const read = new LuaScript(READ_SCRIPT);

/** A period's shared spend is kept this long past the period's end (replicas' clocks differ a little). */
const PAST_PERIOD_MS = 3_600_000;
/** A `total` budget has no end: its shared spend is kept this long after the key's last charge. */
const TOTAL_KEPT_MS = 400 * 86_400_000;
/**
 * A key not checked here for this long (and without a request in flight here) is no longer read in
 * the background; its view is kept, and its next request reads it again.
 */
const IDLE_MS = 60_000;
/**
 * Keys read per refresh at most, those read longest ago first (then the most recently used): one
 * script call each, and thousands at once would hold the event loop and miss the command timeout.
 * A key checked between its reads is read at that request when its last read is stale.
 */
const MAX_READS_PER_TICK = 500;
/**
 * Spend keys (a key's period) whose charges wait for Redis at most; past it, the one waiting
 * longest is dropped (its period is the likeliest to be over, and the store still counts it here).
 */
const MAX_UNSENT_CHARGES = 10_000;
/** Views kept, least recently used dropped first: each keeps the shared spend last read as a floor. */
const MAX_VIEWS = 10_000;

/** What this replica knows of one key's budget in one period. */
interface View {
  period: BudgetPeriod;
  start: number;
  /**
   * The period's spend across replicas: Redis' answer plus what was charged here since it was asked,
   * never less than before (spend only grows within a period; an idle key's stays as a floor).
   */
  spent: number;
  /** The other replicas' holds, as last read. */
  othersHeld: number;
  /** When Redis last answered for this key (this replica's clock); -Infinity before it has. */
  readAt: number;
  /** When a request here last checked the key. */
  usedAt: number;
  /** USD charged here in this period since the view began: see read. */
  chargedHere: number;
  reading: boolean;
}

/**
 * Gateway-key budgets shared by replicas through Redis (the `redis` key), for replicas that do not
 * share a store (one SQLite file per host). Every charge to a key with a budget is added to the
 * period's spend in Redis, and each replica's holds (the estimated cost of its requests in flight)
 * are kept there under its id. Requests never wait on Redis: every key checked in the last minute
 * (or with a request in flight here) is read in the background every `refreshMs`, and checkBudget
 * reads that view; an idle key's view is kept (its spend a floor for its next request). Whenever
 * Redis is not usable, budgets are what this replica knows: its store's spend, the shared spend
 * last read, its own holds (the others' stop counting once the view is 3 refreshes old). Fail open,
 * as the limit counters: nothing here ever fails a request.
 */
export class RedisSharedBudgets implements SharedBudgets {
  private readonly views = new Map<string, View>();
  /** USD this replica's requests hold per key, and the keys whose total Redis has not been sent yet. */
  private readonly mine = new HeldAmounts();
  private readonly unsentHolds = new Set<string>();
  private holdsFlushQueued = false;
  /** Charges made while Redis was not usable or that it refused, per spend key: sent once it is. */
  private readonly unsentCharges = new Map<string, { usd: number; expiresAt: number }>();
  private readonly replica = randomBytes(6).toString('hex');
  private readonly refreshMs: number;
  private readonly holdTtlMs: number;
  private readonly staleMs: number;
  private lastRenewal = -Infinity;
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  private readonly now: () => number;

  constructor(
    private readonly link: RedisLink,
    private readonly options: RedisSharedBudgetsOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.refreshMs = options.refreshMs ?? 1_000;
    this.holdTtlMs = options.holdTtlMs ?? 30_000;
    this.staleMs = 3 * this.refreshMs;
    this.timer = setInterval(() => this.tick(), this.refreshMs);
    this.timer.unref();
    // Back after an outage long enough for a Redis to restart (and lose the holds): this replica's
    // holds are written again and the views read again, on the next turn of the event loop (not
    // inside the command's success handler, a request's). A shorter blip waits for the next
    // refresh, and for the renewal of the holds.
    link.onBack((outageMs) => {
      if (outageMs < this.holdTtlMs / 3) return;
      this.lastRenewal = -Infinity;
      setImmediate(() => this.tick());
    });
  }

  view(keyId: string, period: BudgetPeriod, start: number): SharedBudgetView {
    const now = this.now();
    let view = this.views.get(keyId);
    if (!view || view.period !== period || view.start !== start) {
      view = { period, start, spent: 0, othersHeld: 0, readAt: -Infinity, usedAt: now, chargedHere: 0, reading: false };
    }
    // Least recently used first in the map's order: a view used now goes to the end.
    this.views.delete(keyId);
    this.views.set(keyId, view);
    if (this.views.size > MAX_VIEWS) this.dropLeastRecentlyUsed();
    // A new view, or one idle for a while: read now. Its first request here is checked without the
    // others' share (with the spend last read, if the key was seen here in this period); the next
    // ones, with it.
    if (now - view.readAt > this.staleMs) void this.read(keyId, view);
    view.usedAt = now;
    return { spentUsd: view.spent, othersHeldUsd: now - view.readAt <= this.staleMs ? view.othersHeld : 0 };
  }

  /** Over MAX_VIEWS: forgets the view used least recently, though not one this replica holds money on. */
  private dropLeastRecentlyUsed(): void {
    let oldest: string | undefined;
    for (const keyId of this.views.keys()) {
      oldest ??= keyId;
      if (!this.mine.has(keyId)) {
        this.views.delete(keyId);
        return;
      }
    }
    if (oldest !== undefined) this.views.delete(oldest);
  }

  charge(keyId: string, period: BudgetPeriod, start: number, usd: number): void {
    if (!(usd > 0) || this.closed) return;
    const view = this.views.get(keyId);
    if (view && view.period === period && view.start === start) {
      // Seen by this replica's next request at once, not at the next read.
      view.spent += usd;
      view.chargedHere += usd;
    }
    const key = this.spendKey(keyId, period, start);
    const end = periodEnd(period, start);
    const expiresAt = end === undefined ? this.now() + TOTAL_KEPT_MS : end + PAST_PERIOD_MS;
    this.sendCharge(key, usd, expiresAt);
  }

  hold(keyId: string, usd: number): () => void {
    if (!(usd > 0) || this.closed) return NOTHING_HELD;
    const release = this.mine.add(keyId, usd);
    this.holdsChanged(keyId);
    return () => {
      if (release()) this.holdsChanged(keyId);
    };
  }

  /**
   * At shutdown: deletes this replica's holds in Redis (nothing here will charge them any more, and
   * left there they would count on the other replicas until they expire, up to holdTtlMs) and sends
   * the charges that wait, waiting at most `waitMs` for Redis; then stops as close does.
   */
  async leave(waitMs = 500): Promise<void> {
    if (this.closed) return;
    const client = this.link.connection;
    const sent: Promise<unknown>[] = [];
    if (client) {
      for (const keyId of new Set([...this.mine.keys(), ...this.unsentHolds])) {
        sent.push(writeHold.run(client, [this.holdsKey(keyId)], [this.replica, '0', this.holdTtlMs]).catch(() => {}));
      }
      const now = this.now();
      for (const [key, { usd, expiresAt }] of this.unsentCharges) {
        if (expiresAt > now) sent.push(charge.run(client, [key], [String(usd), expiresAt]).catch(() => {}));
      }
      this.unsentCharges.clear();
    }
    this.close();
    if (sent.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(sent), new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
  }

  /** Stops reading and renewing; this replica's holds expire in Redis by themselves (as if it died). */
  close(): void {
    this.closed = true;
    clearInterval(this.timer);
  }

  /** Every refreshMs: sends what waited, renews this replica's holds now and then, reads the keys in use. */
  private tick(): void {
    if (this.closed || !this.link.usable) return;
    this.sendUnsentCharges();
    const now = this.now();
    if (now - this.lastRenewal >= this.holdTtlMs / 3) {
      this.lastRenewal = now;
      for (const keyId of this.mine.keys()) this.unsentHolds.add(keyId);
    }
    this.flushHolds();
    // After the writes above, on the same connection: the reads see them.
    for (const [keyId, view] of this.dueForRead(now)) void this.read(keyId, view);
  }

  /**
   * The views to read this refresh: those used in the last minute or with a request in flight here,
   * at most MAX_READS_PER_TICK, read longest ago first (so every one gets its turn) and, among those
   * read as long ago, used most recently first.
   */
  private dueForRead(now: number): [string, View][] {
    const due: [string, View][] = [];
    const newestFirst = [...this.views].reverse();
    for (const [keyId, view] of newestFirst) {
      if (!view.reading && (now - view.usedAt <= IDLE_MS || this.mine.has(keyId))) due.push([keyId, view]);
    }
    if (due.length <= MAX_READS_PER_TICK) return due;
    // Stable: ties stay newest first.
    due.sort((a, b) => a[1].readAt - b[1].readAt);
    return due.slice(0, MAX_READS_PER_TICK);
  }

  /**
   * Reads the key's spend in the view's period and the others' holds. A charge made here after the
   * read was sent is not in Redis' answer (one connection: commands arrive in order), so it is
   * added back; one made before it is.
   */
  private async read(keyId: string, view: View): Promise<void> {
    const client = this.link.connection;
    if (!client || view.reading) return;
    view.reading = true;
    const chargedBefore = view.chargedHere;
    try {
      const answer = (await read.run(client, [this.spendKey(keyId, view.period, view.start), this.holdsKey(keyId)], [])) as string[];
      this.link.succeeded();
      const spent = Number(answer[0]);
      let othersHeld = 0;
      for (let i = 1; i + 1 < answer.length; i += 2) {
        const usd = Number(answer[i + 1]);
        if (answer[i] !== this.replica && usd > 0) othersHeld += usd;
      }
      // Never lower: a Redis that restarted empty, or a charge of this replica not sent yet, must not
      // give back budget this replica has seen spent.
      view.spent = Math.max(view.spent, (Number.isFinite(spent) ? spent : 0) + (view.chargedHere - chargedBefore));
      view.othersHeld = othersHeld;
      view.readAt = this.now();
    } catch {
      // Not link.failed: a read nobody waits on that timed out must not take Redis from the
      // requests' limits and health for a second. The view ages instead (see staleMs).
    } finally {
      view.reading = false;
    }
  }

  /** A hold began or ended: the key's total is sent once this turn of the event loop is done. */
  private holdsChanged(keyId: string): void {
    this.unsentHolds.add(keyId);
    if (this.holdsFlushQueued) return;
    this.holdsFlushQueued = true;
    setImmediate(() => {
      this.holdsFlushQueued = false;
      this.flushHolds();
    });
  }

  /**
   * Sends each changed key's total held here. Not usable: kept for the next tick. A failed send is
   * sent again then too: a total replaces the entry, so one sent twice counts once.
   */
  private flushHolds(): void {
    if (this.closed || this.unsentHolds.size === 0) return;
    const client = this.link.connection;
    if (!client) return;
    const keyIds = [...this.unsentHolds];
    this.unsentHolds.clear();
    for (const keyId of keyIds) {
      const usd = this.mine.get(keyId);
      writeHold.run(client, [this.holdsKey(keyId)], [this.replica, String(usd), this.holdTtlMs]).then(
        () => this.link.succeeded(),
        (err: unknown) => {
          this.link.failed(err);
          this.unsentHolds.add(keyId);
        },
      );
    }
  }

  /** Charges made while Redis was not usable, or refused; those of a period long over are dropped. */
  private sendUnsentCharges(): void {
    if (this.unsentCharges.size === 0) return;
    const now = this.now();
    const waiting = [...this.unsentCharges];
    this.unsentCharges.clear();
    for (const [key, { usd, expiresAt }] of waiting) {
      if (expiresAt > now) this.sendCharge(key, usd, expiresAt);
    }
  }

  /**
   * Adds a charge to the spend in Redis, or keeps it for later when Redis is not usable or refused
   * it (an error reply: the script did not run). One whose command timed out or lost its connection
   * is not sent again: it may have been applied, and counting it twice would refuse a key's
   * requests for spend that never happened.
   */
  private sendCharge(key: string, usd: number, expiresAt: number): void {
    const client = this.link.connection;
    if (!client) return this.keepCharge(key, usd, expiresAt);
    charge.run(client, [key], [String(usd), expiresAt]).then(
      () => this.link.succeeded(),
      (err: unknown) => {
        this.link.failed(err);
        if (isRefusal(err)) this.keepCharge(key, usd, expiresAt);
      },
    );
  }

  private keepCharge(key: string, usd: number, expiresAt: number): void {
    const unsent = this.unsentCharges.get(key);
    if (unsent) {
      unsent.usd += usd;
      unsent.expiresAt = Math.max(unsent.expiresAt, expiresAt);
      return;
    }
    if (this.unsentCharges.size >= MAX_UNSENT_CHARGES) this.unsentCharges.delete(this.unsentCharges.keys().next().value!);
    this.unsentCharges.set(key, { usd, expiresAt });
  }

  // The braces keep a key's spend and holds on one Redis Cluster slot (one script reads both).
  private spendKey(keyId: string, period: BudgetPeriod, start: number): string {
    return `${this.options.prefix}budget:{${keyId}}:spend:${period}:${start}`;
  }

  private holdsKey(keyId: string): string {
    return `${this.options.prefix}budget:{${keyId}}:holds`;
  }
}

const NOTHING_HELD = (): void => {};

/**
 * Redis answered with an error (OOM, READONLY, MISCONF, NOPERM...): the script did not run. A
 * timeout or a lost connection is not one: the command may have been applied.
 */
function isRefusal(err: unknown): boolean {
  return err instanceof Error && err.name === 'ReplyError';
}
