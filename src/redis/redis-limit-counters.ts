import { randomBytes } from 'node:crypto';
import type { CredentialLimits } from '../config/types.js';
import { InMemoryLimitCounters } from '../router/limit-counters.js';
import type { AcquireResult, Lease, LimitCounters } from '../router/limit-counters.js';
import { FreedSlots, freedMessage } from './freed-slots.js';
import { ACQUIRE_SCRIPT, RELEASE_SCRIPT, RENEW_SCRIPT } from './limit-scripts.js';
import { LuaScript } from './lua-script.js';
import type { RedisLink } from './redis-link.js';

export interface RedisLimitCountersOptions {
  /** Namespace of every key (`moongate:`); the counters live under `<prefix>limits:`, releases publish on `<prefix>freed:<database>`. */
  prefix: string;
  /** How long a slot outlives its replica: leases are renewed every third of it while their request runs. */
  leaseTtlMs?: number;
  /** Tests: a clock to count by instead of Redis' own (which every replica shares, whatever its clock). */
  now?: () => number;
}

const MINUTE = 60_000;

const acquire = new LuaScript(ACQUIRE_SCRIPT);
const release = new LuaScript(RELEASE_SCRIPT);
const renew = new LuaScript(RENEW_SCRIPT);

interface SharedLease {
  id: string;
  /** The counter key, and its Redis keys: leases, requests, tokens, waiting (see limit-scripts.ts). */
  key: string;
  keys: [string, string, string, string];
}

/**
 * Limit counters shared by every replica through Redis (the `redis` key), one atomic script per
 * acquire and per release. Whenever Redis is not usable (down, slow, not yet connected) a request
 * is counted in this process instead (fail open to local limits), and Redis is used again once it
 * is back; requests counted locally meanwhile are not added to the shared windows. A release that
 * frees room some replica waits for is published, and `onFreed` hears the others' (FreedSlots).
 */
export class RedisLimitCounters implements LimitCounters {
  private readonly local: InMemoryLimitCounters;
  private readonly shared = new WeakMap<Lease, SharedLease>();
  /** Leases this replica holds in Redis, renewed while their requests run. */
  private readonly live = new Set<SharedLease>();
  /** This replica's shared leases per counter key (for in_flight in /health/ready and metrics). */
  private readonly sharedInFlight = new Map<string, number>();
  private readonly replica = randomBytes(6).toString('hex');
  private sequence = 0;
  private readonly leaseTtlMs: number;
  private readonly keyTtlMs: number;
  private readonly renewal: NodeJS.Timeout;
  private closed = false;
  private freed: FreedSlots | undefined;
  private readonly channel: string;
  private readonly now: () => number;
  /** What the scripts count by: '' (Redis' clock) unless a test gave a clock. */
  private readonly scriptNow: () => number | '';

  constructor(
    private readonly link: RedisLink,
    private readonly options: RedisLimitCountersOptions,
  ) {
    this.now = options.now ?? Date.now;
    const testClock = options.now;
    this.scriptNow = testClock ? () => testClock() : () => '';
    this.local = new InMemoryLimitCounters(this.now);
    this.channel = `${options.prefix}freed:${link.database}`;
    this.leaseTtlMs = options.leaseTtlMs ?? 30_000;
    this.keyTtlMs = MINUTE + this.leaseTtlMs + 10_000;
    this.renewal = setInterval(() => void this.renewLeases(), Math.max(100, this.leaseTtlMs / 3));
    this.renewal.unref();
    // Leases Redis dropped while it was out of reach count again at once, not at the next renewal.
    // Renewed every third of their ttl, a lease outlives an outage shorter than that: a Redis that
    // misses one command's timeout now and then (an overloaded host) is not sent every renewal again.
    link.onBack((outageMs) => {
      if (outageMs >= this.leaseTtlMs / 3) void this.renewLeases();
    });
  }

  async tryAcquire(key: string, limits: CredentialLimits, tokens: number, willWait = false): Promise<AcquireResult> {
    const client = this.link.connection;
    if (!client) return this.local.tryAcquire(key, limits, tokens);
    const now = this.now();
    const lease: SharedLease = { id: `${this.replica}:${++this.sequence}`, key, keys: this.keysOf(key) };
    let answer: [number, number, string?];
    try {
      answer = (await acquire.run(client, lease.keys, [
        this.scriptNow(),
        lease.id,
        tokens,
        limits.concurrency ?? -1,
        limits.rpm ?? -1,
        limits.tpm ?? -1,
        this.leaseTtlMs,
        MINUTE,
        this.keyTtlMs,
        willWait ? '1' : '',
      ])) as [number, number, string?];
    } catch (err) {
      this.link.failed(err);
      this.abandon(client, lease);
      return this.local.tryAcquire(key, limits, tokens);
    }
    this.link.succeeded();
    if (answer[0] !== 1) {
      return { ok: false, retryAfterMs: Math.max(0, answer[1]), limit: answer[2] as 'concurrency' | 'rpm' | 'tpm' };
    }
    const result: Lease = { key, tokens, at: now };
    this.shared.set(result, lease);
    this.live.add(lease);
    this.sharedInFlight.set(key, (this.sharedInFlight.get(key) ?? 0) + 1);
    return { ok: true, lease: result };
  }

  async release(lease: Lease, actualTokens: number | undefined): Promise<void> {
    const shared = this.shared.get(lease);
    if (!shared) return this.local.release(lease, actualTokens);
    this.shared.delete(lease);
    this.live.delete(shared);
    const n = (this.sharedInFlight.get(lease.key) ?? 1) - 1;
    if (n > 0) this.sharedInFlight.set(lease.key, n);
    else this.sharedInFlight.delete(lease.key);
    const client = this.link.connection;
    // Not sent: the lease expires in Redis by itself (leaseTtlMs), the tokens stay the estimate.
    if (!client) return;
    try {
      await release.run(client, shared.keys, [shared.id, actualTokens ?? '', this.channel, freedMessage(this.replica, shared.key)]);
      this.link.succeeded();
    } catch (err) {
      this.link.failed(err);
    }
  }

  /** This replica's requests in flight on the key (Redis holds every replica's). */
  inFlight(key: string): number {
    return (this.sharedInFlight.get(key) ?? 0) + this.local.inFlight(key);
  }

  /**
   * Calls `listener` with the counter key each time another replica releases a lease there while
   * some replica waits for room under it. The first listener opens this replica's subscriber
   * connection (a second one to Redis).
   */
  onFreed(listener: (key: string) => void): void {
    if (this.closed) return;
    this.freed ??= new FreedSlots({
      channel: this.channel,
      replica: this.replica,
      open: () => this.link.duplicate(),
      warn: this.link.warn,
      name: this.link.name,
    });
    this.freed.listen(listener);
  }

  /** Stops renewing leases (they expire in Redis by themselves) and listening for freed ones. */
  close(): void {
    this.closed = true;
    clearInterval(this.renewal);
    this.freed?.close();
  }

  /**
   * An acquire that timed out may still reach Redis and count there, holding a slot nobody
   * releases (for leaseTtlMs) on top of the local one. Sent on the same connection, this runs after
   * it if it ever does; if Redis is gone, it fails, unheard, like the acquire.
   */
  private abandon(client: NonNullable<RedisLink['connection']>, lease: SharedLease): void {
    const [leases, requests, tokens] = lease.keys;
    client
      .multi()
      .zrem(leases, lease.id)
      .zrem(requests, lease.id)
      .hdel(tokens, lease.id)
      .exec()
      .catch(() => {});
  }

  private keysOf(key: string): [string, string, string, string] {
    // The braces keep a key's parts on one Redis Cluster slot.
    const base = `${this.options.prefix}limits:{${key}}`;
    return [`${base}:leases`, `${base}:requests`, `${base}:tokens`, `${base}:waiting`];
  }

  /**
   * Pushes back the expiry of every lease still running here: one script per counter key, sent
   * together. A lease Redis no longer has while its request still runs here (Redis was out of reach
   * past the lease's ttl and dropped it, or restarted) is added again, so the shared concurrency
   * counts it again. Only the concurrency lease: the request's place in the one-minute window is not
   * rebuilt (see docs/configuration.md).
   */
  private async renewLeases(): Promise<void> {
    if (this.closed || this.live.size === 0) return;
    const client = this.link.connection;
    if (!client) return;
    const byKey = new Map<string, SharedLease[]>();
    for (const lease of this.live) {
      const leases = byKey.get(lease.keys[0]);
      if (leases) leases.push(lease);
      else byKey.set(lease.keys[0], [lease]);
    }
    const now = this.scriptNow();
    try {
      const answers = await Promise.all(
        [...byKey].map(async ([key, leases]) => {
          const [expires, missing] = (await renew.run(client, [key], [now, this.leaseTtlMs, this.keyTtlMs, ...leases.map((l) => l.id)])) as [number, string[]];
          const gone = new Set(missing);
          return { key, expires, lost: leases.filter((l) => gone.has(l.id)) };
        }),
      );
      await this.reAdd(client, answers);
      this.link.succeeded();
    } catch (err) {
      this.link.failed(err);
    }
  }

  /**
   * Adds back the lost leases whose request still runs. Checked here, after the renewal's answer:
   * a lease released since is no longer live, and one released from now on has its release sent
   * after these plain commands (a script, not a command, can be sent again after a later one), so
   * a released lease is never brought back.
   */
  private async reAdd(client: NonNullable<RedisLink['connection']>, answers: { key: string; expires: number; lost: SharedLease[] }[]): Promise<void> {
    const toAdd = answers
      .map(({ key, expires, lost }) => ({ key, expires, leases: lost.filter((lease) => this.live.has(lease)) }))
      .filter(({ leases }) => leases.length > 0);
    // One transaction per counter key (a key's parts share a Redis Cluster slot; two keys may not).
    const replies = await Promise.all(
      toAdd.map(({ key, expires, leases }) =>
        client
          .multi()
          .zadd(key, 'NX', ...leases.flatMap((lease) => [expires, lease.id]))
          .pexpire(key, this.keyTtlMs)
          .exec(),
      ),
    );
    const failure = replies.flatMap((results) => results ?? []).find(([err]) => err)?.[0];
    if (failure) throw failure;
  }
}
