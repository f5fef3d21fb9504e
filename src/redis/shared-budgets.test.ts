import { afterAll, afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { CLOSED_REDIS_URL, REDIS_URL, testRedis } from '../../test/helpers/redis.js';
import { startTcpProxy } from '../../test/helpers/tcp-proxy.js';
import { periodStart } from '../keys/virtual-key.js';
import { ReplyError } from 'ioredis';
import { RedisLink } from './redis-link.js';
import { RedisSharedBudgets } from './shared-budgets.js';

const redis = testRedis();
afterAll(() => redis.cleanup());

const opened: { link: RedisLink; budgets: RedisSharedBudgets }[] = [];
afterEach(async () => {
  for (const { link, budgets } of opened.splice(0)) {
    budgets.close();
    await link.close();
  }
});

/** A replica's shared budgets, read every 50 ms: two of them on the same prefix share spend and holds. */
async function replica(
  url = REDIS_URL,
  options: {
    holdTtlMs?: number;
    refreshMs?: number;
    warn?: (m: string) => void;
    restAfterFailureMs?: number;
    now?: () => number;
    /** The link's clock alone (how long an outage lasted), when not `now`. */
    linkNow?: () => number;
  } = {},
): Promise<{ link: RedisLink; budgets: RedisSharedBudgets }> {
  // A patient timeout: a loaded test machine must not make a replica count alone in a test about sharing.
  const link = new RedisLink(url, { warn: options.warn ?? (() => {}), commandTimeoutMs: 1_000, restAfterFailureMs: options.restAfterFailureMs, now: options.linkNow ?? options.now });
  await link.whenSettled(2_000);
  const budgets = new RedisSharedBudgets(link, { prefix: redis.prefix, refreshMs: options.refreshMs ?? 50, holdTtlMs: options.holdTtlMs, now: options.now });
  const pair = { link, budgets };
  opened.push(pair);
  return pair;
}

let n = 0;
/** A gateway key id of its own per test. */
const fresh = (): string => `key_test${++n}`;
const today = periodStart('day', Date.now());
const poll = { timeout: 3_000, interval: 20 };

/**
 * Watches the budget reads (the one script given two keys) sent on the link's connection: the
 * largest number sent in one turn of the event loop, the keys read, and calls made so far.
 */
function watchReads(link: RedisLink, fail?: Error): { largestBurst: () => number; keysRead: Set<string>; calls: () => number } {
  const client = link.connection!;
  const send = client.evalsha.bind(client) as (...args: unknown[]) => Promise<unknown>;
  let burst = 0;
  let largest = 0;
  let calls = 0;
  const keysRead = new Set<string>();
  const spy = vi.spyOn(client, 'evalsha').mockImplementation(((...args: unknown[]) => {
    if (args[1] !== 2) return send(...args);
    if (burst === 0) {
      setImmediate(() => {
        largest = Math.max(largest, burst);
        burst = 0;
      });
    }
    burst++;
    calls++;
    keysRead.add(String(args[2]));
    return fail ? Promise.reject(fail) : send(...args);
  }) as never);
  onTestFinished(() => spy.mockRestore());
  return { largestBurst: () => Math.max(largest, burst), keysRead, calls: () => calls };
}

describe('RedisSharedBudgets', () => {
  it("adds up the replicas' charges in the period, and shows a replica its own charge at once", async () => {
    const [{ budgets: a }, { budgets: b }] = [await replica(), await replica()];
    const key = fresh();
    expect(a.view(key, 'day', today)).toEqual({ spentUsd: 0, othersHeldUsd: 0 });
    b.view(key, 'day', today);
    a.charge(key, 'day', today, 0.5);
    // Before any read: this replica's own charge is in its view already.
    expect(a.view(key, 'day', today).spentUsd).toBe(0.5);
    b.charge(key, 'day', today, 0.000_000_35);
    await expect.poll(() => a.view(key, 'day', today).spentUsd, poll).toBeCloseTo(0.500_000_35, 12);
    await expect.poll(() => b.view(key, 'day', today).spentUsd, poll).toBeCloseTo(0.500_000_35, 12);
    // Another period (or the same start under another period) is another spend.
    expect(a.view(key, 'month', periodStart('month', Date.now())).spentUsd).toBe(0);
    await new Promise((r) => setTimeout(r, 150));
    expect(a.view(key, 'month', periodStart('month', Date.now())).spentUsd).toBe(0);
  });

  it("counts the other replicas' holds, not its own, until they are released", async () => {
    const [{ budgets: a }, { budgets: b }] = [await replica(), await replica()];
    const key = fresh();
    a.view(key, 'total', 0);
    b.view(key, 'total', 0);
    const first = a.hold(key, 0.25);
    const second = a.hold(key, 0.5);
    const other = b.hold(key, 0.125);
    await expect.poll(() => b.view(key, 'total', 0).othersHeldUsd, poll).toBe(0.75);
    await expect.poll(() => a.view(key, 'total', 0).othersHeldUsd, poll).toBe(0.125);
    first();
    first();
    await expect.poll(() => b.view(key, 'total', 0).othersHeldUsd, poll).toBe(0.5);
    second();
    other();
    await expect.poll(() => b.view(key, 'total', 0).othersHeldUsd, poll).toBe(0);
    await expect.poll(() => a.view(key, 'total', 0).othersHeldUsd, poll).toBe(0);
    expect(await redis.client.hlen(`${redis.prefix}budget:{${key}}:holds`)).toBe(0);
  });

  it('lets the holds of a replica that died expire, and renews those of one that runs', async () => {
    // Renewed every third of the ttl: 1.2 s lets a's event loop stall some 750 ms between two
    // renewals before its hold lapses (300 ms let it stall 150).
    const ttlMs = 1_200;
    const key = fresh();
    const { budgets: a } = await replica(REDIS_URL, { holdTtlMs: ttlMs });
    const { budgets: dies } = await replica(REDIS_URL, { holdTtlMs: ttlMs });
    const { budgets: b } = await replica();
    b.view(key, 'total', 0);
    a.hold(key, 0.5);
    dies.hold(key, 0.25);
    await expect.poll(() => b.view(key, 'total', 0).othersHeldUsd, poll).toBe(0.75);
    // It stops renewing without releasing (it "died").
    dies.close();
    await expect.poll(() => b.view(key, 'total', 0).othersHeldUsd, poll).toBe(0.5);
    // Well past a's ttl: a renews its hold while its request runs.
    await new Promise((r) => setTimeout(r, 2 * ttlMs));
    expect(b.view(key, 'total', 0).othersHeldUsd).toBe(0.5);
  });

  it("keeps a period's spend until a little past the period's end, a total's for 400 days after its last charge", async () => {
    const { budgets: a } = await replica();
    const key = fresh();
    a.charge(key, 'day', today, 1);
    a.charge(key, 'total', 0, 1);
    const dayKey = `${redis.prefix}budget:{${key}}:spend:day:${today}`;
    const totalKey = `${redis.prefix}budget:{${key}}:spend:total:0`;
    await expect.poll(() => redis.client.get(totalKey), poll).toBe('1');
    // The clock read before the PTTL: what is left then is no less than what PTTL says a moment later.
    const askedAt = Date.now();
    const dayLeft = await redis.client.pttl(dayKey);
    const endOfDay = today + 86_400_000 + 3_600_000 - askedAt;
    expect(dayLeft).toBeGreaterThan(endOfDay - 5_000);
    expect(dayLeft).toBeLessThanOrEqual(endOfDay);
    expect(await redis.client.pttl(totalKey)).toBeGreaterThan(399 * 86_400_000);
  });

  it('replaces a key of another type where a spend or holds should be (a stray write) rather than fail on it', async () => {
    const [{ budgets: a, link }, { budgets: b }] = [await replica(), await replica()];
    const key = fresh();
    await redis.client.set(`${redis.prefix}budget:{${key}}:holds`, 'not a hash');
    await redis.client.set(`${redis.prefix}budget:{${key}}:spend:total:0`, 'not a number');
    b.view(key, 'total', 0);
    a.charge(key, 'total', 0, 0.5);
    a.hold(key, 0.25);
    await expect.poll(() => b.view(key, 'total', 0), poll).toEqual({ spentUsd: 0.5, othersHeldUsd: 0.25 });
    expect(link.trouble).toBeUndefined();
  });

  it('fails open with Redis unreachable: nothing throws, the view is what this replica knows', async () => {
    const warnings: string[] = [];
    const { budgets: a } = await replica(CLOSED_REDIS_URL, { warn: (m) => warnings.push(m) });
    const key = fresh();
    expect(a.view(key, 'day', today)).toEqual({ spentUsd: 0, othersHeldUsd: 0 });
    const release = a.hold(key, 0.5);
    a.charge(key, 'day', today, 0.25);
    release();
    expect(a.view(key, 'day', today)).toEqual({ spentUsd: 0.25, othersHeldUsd: 0 });
    await new Promise((r) => setTimeout(r, 150));
    expect(warnings).toHaveLength(1);
  });

  it("cut off from Redis, stops counting the others' holds, and shares what it charged meanwhile once Redis is back", async () => {
    const proxy = await startTcpProxy(Number(new URL(REDIS_URL).port || 6379));
    onTestFinished(() => proxy.stop());
    const { budgets: a } = await replica(`redis://127.0.0.1:${proxy.port}`, { restAfterFailureMs: 0 });
    const { budgets: b } = await replica();
    const key = fresh();
    a.view(key, 'day', today);
    b.hold(key, 0.5);
    b.charge(key, 'day', today, 0.125);
    await expect.poll(() => a.view(key, 'day', today), poll).toEqual({ spentUsd: 0.125, othersHeldUsd: 0.5 });
    await proxy.stop();
    // Three refreshes without an answer: the others' holds no longer count; the spend seen stays.
    await expect.poll(() => a.view(key, 'day', today), poll).toEqual({ spentUsd: 0.125, othersHeldUsd: 0 });
    a.charge(key, 'day', today, 0.25);
    expect(a.view(key, 'day', today).spentUsd).toBe(0.375);
    await proxy.start();
    await expect.poll(() => a.view(key, 'day', today), { ...poll, timeout: 6_000 }).toEqual({ spentUsd: 0.375, othersHeldUsd: 0.5 });
    b.view(key, 'day', today);
    await expect.poll(() => b.view(key, 'day', today).spentUsd, poll).toBe(0.375);
  });

  it('writes its holds again as soon as Redis is back from an outage long enough for a restart without them', async () => {
    const proxy = await startTcpProxy(Number(new URL(REDIS_URL).port || 6379));
    onTestFinished(() => proxy.stop());
    // The link's clock: the outage below lasts 20 s for it (over a third of the holds' 30 s ttl).
    let skew = 0;
    const { budgets: a } = await replica(`redis://127.0.0.1:${proxy.port}`, { restAfterFailureMs: 0, linkNow: () => Date.now() + skew });
    const { budgets: b } = await replica();
    const key = fresh();
    b.view(key, 'total', 0);
    a.hold(key, 0.5);
    await expect.poll(() => b.view(key, 'total', 0).othersHeldUsd, poll).toBe(0.5);
    await proxy.stop();
    // What a restart without persistence leaves: nothing.
    await redis.client.del(`${redis.prefix}budget:{${key}}:holds`);
    await expect.poll(() => b.view(key, 'total', 0).othersHeldUsd, poll).toBe(0);
    skew = 20_000;
    await proxy.start();
    // Well before the renewal (every 10 s).
    await expect.poll(() => b.view(key, 'total', 0).othersHeldUsd, { ...poll, timeout: 5_000 }).toBe(0.5);
  });

  it('leaves its holds to the renewal after a short blip (a Redis cannot have restarted in it)', async () => {
    let skew = 0;
    const { budgets: a, link } = await replica(REDIS_URL, { linkNow: () => Date.now() + skew });
    const key = fresh();
    const holds = `${redis.prefix}budget:{${key}}:holds`;
    a.hold(key, 0.5);
    await expect.poll(() => redis.client.hlen(holds), poll).toBe(1);
    // Past the first refresh, which renews the holds as well.
    await new Promise((r) => setTimeout(r, 150));
    await redis.client.del(holds);
    link.failed(new Error('blip'));
    skew += 200;
    link.succeeded();
    await new Promise((r) => setTimeout(r, 300));
    expect(await redis.client.hlen(holds)).toBe(0);
    // A long one: written again.
    link.failed(new Error('outage'));
    skew += 20_000;
    link.succeeded();
    await expect.poll(() => redis.client.hlen(holds), poll).toBe(1);
  });

  it("remembers an idle key's shared spend: its next request is checked against it, not against this store alone", async () => {
    let clock = Date.now();
    const { budgets: a } = await replica(REDIS_URL, { now: () => clock });
    const { budgets: b } = await replica();
    const key = fresh();
    b.charge(key, 'day', today, 1);
    await expect.poll(() => a.view(key, 'day', today).spentUsd, poll).toBe(1);
    // Unused here for over a minute: no longer read, but not forgotten.
    clock += 61_000;
    await new Promise((r) => setTimeout(r, 200));
    expect(a.view(key, 'day', today).spentUsd).toBe(1);
    // That request read it again.
    b.charge(key, 'day', today, 0.5);
    await expect.poll(() => a.view(key, 'day', today).spentUsd, poll).toBe(1.5);
  });

  it('goes on reading a key idle here while this replica holds money on it', async () => {
    let clock = Date.now();
    const { budgets: a } = await replica(REDIS_URL, { now: () => clock });
    const { budgets: b } = await replica();
    const key = fresh();
    a.view(key, 'day', today);
    const release = a.hold(key, 0.25);
    clock += 61_000;
    b.charge(key, 'day', today, 1);
    await new Promise((r) => setTimeout(r, 300));
    // Read in the background meanwhile: the first look after the idle minute sees b's charge.
    expect(a.view(key, 'day', today).spentUsd).toBe(1);
    release();
  });

  it('forgets the least recently used view first when it keeps too many, not the one in use', async () => {
    const { budgets: a } = await replica();
    const { budgets: b } = await replica();
    const hot = fresh();
    b.charge(hot, 'day', today, 2);
    await expect.poll(() => a.view(hot, 'day', today).spentUsd, poll).toBe(2);
    // 10,000 other keys, the hot one checked all along.
    for (let i = 0; i < 10_000; i++) {
      a.view(`${hot}_other${i}`, 'day', today);
      if (i % 100 === 0) a.view(hot, 'day', today);
    }
    // Redis now says less than it did (as after a restart without persistence): only a view that
    // was kept remembers the 2.
    await redis.client.del(`${redis.prefix}budget:{${hot}}:spend:day:${today}`);
    expect(a.view(hot, 'day', today).spentUsd).toBe(2);
  });

  it('reads at most 500 keys per refresh, each in its turn, rather than every key at once', async () => {
    const { budgets: a, link } = await replica();
    const base = fresh();
    for (let i = 0; i < 2_000; i++) a.view(`${base}_${i}`, 'day', today);
    // The reads of the views' first requests are done.
    await new Promise((r) => setTimeout(r, 300));
    const reads = watchReads(link);
    await expect.poll(() => reads.keysRead.size, poll).toBe(2_000);
    expect(reads.largestBurst()).toBeGreaterThan(0);
    expect(reads.largestBurst()).toBeLessThanOrEqual(500);
  });

  it('leaves Redis in use when a background read fails (a read nobody waits on timed out)', async () => {
    const { budgets: a, link } = await replica();
    a.view(fresh(), 'day', today);
    await new Promise((r) => setTimeout(r, 100));
    const reads = watchReads(link, new Error('Command timed out'));
    await expect.poll(() => reads.calls(), poll).toBeGreaterThan(2);
    expect(link.trouble).toBeUndefined();
    expect(link.usable).toBe(true);
  });

  it('rewrites and reads again after an outage on the next turn of the event loop, not inside the command that ended it', async () => {
    let clock = Date.now();
    const { budgets: a, link } = await replica(REDIS_URL, { now: () => clock, refreshMs: 60_000 });
    const key = fresh();
    a.view(key, 'day', today);
    await new Promise((r) => setTimeout(r, 100));
    const reads = watchReads(link);
    link.failed(new Error('blip'));
    clock += 20_000;
    // What a command's success handler calls.
    link.succeeded();
    expect(reads.calls()).toBe(0);
    await expect.poll(() => reads.calls(), poll).toBe(1);
  });

  it('sends a charge Redis refused (an error reply: not applied) again, not one that timed out (it may have been)', async () => {
    const { budgets: a, link } = await replica(REDIS_URL, { restAfterFailureMs: 0 });
    const client = link.connection!;
    const send = client.evalsha.bind(client) as (...args: unknown[]) => Promise<unknown>;
    const failures: Error[] = [new ReplyError("OOM command not allowed when used memory > 'maxmemory'."), new Error('Command timed out')];
    const spy = vi.spyOn(client, 'evalsha').mockImplementation(((...args: unknown[]) => {
      const failure = String(args[2]).includes(':spend:') ? failures.shift() : undefined;
      return failure ? Promise.reject(failure) : send(...args);
    }) as never);
    onTestFinished(() => spy.mockRestore());
    const refused = fresh();
    const timedOut = fresh();
    a.charge(refused, 'day', today, 0.5);
    await new Promise((r) => setTimeout(r, 20));
    a.charge(timedOut, 'day', today, 0.25);
    await expect.poll(() => redis.client.get(`${redis.prefix}budget:{${refused}}:spend:day:${today}`), poll).toBe('0.5');
    await new Promise((r) => setTimeout(r, 200));
    expect(await redis.client.get(`${redis.prefix}budget:{${timedOut}}:spend:day:${today}`)).toBeNull();
  });

  it('deletes its holds as it leaves (a shutdown), rather than let them block the key on the others until they expire', async () => {
    const { budgets: a } = await replica();
    const { budgets: b } = await replica();
    const key = fresh();
    const other = fresh();
    b.view(key, 'total', 0);
    a.hold(key, 0.5);
    await expect.poll(() => b.view(key, 'total', 0).othersHeldUsd, poll).toBe(0.5);
    // Held and not sent yet: nothing of it is left either.
    a.hold(other, 0.25);
    await a.leave();
    expect(await redis.client.hlen(`${redis.prefix}budget:{${key}}:holds`)).toBe(0);
    expect(await redis.client.hlen(`${redis.prefix}budget:{${other}}:holds`)).toBe(0);
    await expect.poll(() => b.view(key, 'total', 0).othersHeldUsd, poll).toBe(0);
  });
});
