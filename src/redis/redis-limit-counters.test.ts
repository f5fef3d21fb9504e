import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { CLOSED_REDIS_URL, REDIS_URL, testRedis } from '../../test/helpers/redis.js';
import { startTcpProxy } from '../../test/helpers/tcp-proxy.js';
import { RELEASE_SCRIPT, RENEW_SCRIPT } from './limit-scripts.js';
import { RedisLimitCounters } from './redis-limit-counters.js';
import { RedisLink } from './redis-link.js';

const redis = testRedis();
afterAll(() => redis.cleanup());

let now = 1_000_000;
const clock = (): number => now;
const opened: { link: RedisLink; counters: RedisLimitCounters }[] = [];
afterEach(async () => {
  for (const { link, counters } of opened.splice(0)) {
    counters.close();
    await link.close();
  }
});

/** A replica's counters: two of them on the same prefix share their limits. */
async function replica(url = REDIS_URL, warn: (m: string) => void = () => {}, now: (() => number) | null = clock): Promise<RedisLimitCounters> {
  // A patient timeout: a loaded test machine must not make a replica count alone in a test about sharing.
  const link = new RedisLink(url, { warn, commandTimeoutMs: 1_000 });
  await link.whenSettled(2_000);
  const counters = new RedisLimitCounters(link, { prefix: redis.prefix, ...(now ? { now } : {}) });
  opened.push({ link, counters });
  return counters;
}

let n = 0;
/** A counter key of its own per test. */
const fresh = (): string => `moonshot/test-${++n}`;

describe('RedisLimitCounters', () => {
  it('shares RPM over a sliding minute between replicas, saying when a slot frees', async () => {
    const [a, b] = [await replica(), await replica()];
    const key = fresh();
    now = 1_000_000;
    expect((await a.tryAcquire(key, { rpm: 3 }, 0)).ok).toBe(true);
    now += 1_000;
    expect((await b.tryAcquire(key, { rpm: 3 }, 0)).ok).toBe(true);
    now += 1_000;
    expect((await a.tryAcquire(key, { rpm: 3 }, 0)).ok).toBe(true);
    now += 1_000;
    expect(await b.tryAcquire(key, { rpm: 3 }, 0)).toEqual({ ok: false, retryAfterMs: 57_000, limit: 'rpm' });
    now = 1_000_000 + 60_001;
    expect((await b.tryAcquire(key, { rpm: 3 }, 0)).ok).toBe(true);
  });

  it('shares concurrency: a slot taken on one replica is freed by its release', async () => {
    const [a, b] = [await replica(), await replica()];
    const key = fresh();
    const held = await a.tryAcquire(key, { concurrency: 1 }, 0);
    expect(held.ok).toBe(true);
    expect(await b.tryAcquire(key, { concurrency: 1 }, 0)).toEqual({ ok: false, retryAfterMs: 1_000, limit: 'concurrency' });
    expect(a.inFlight(key)).toBe(1);
    if (held.ok) await a.release(held.lease, undefined);
    expect(a.inFlight(key)).toBe(0);
    expect((await b.tryAcquire(key, { concurrency: 1 }, 0)).ok).toBe(true);
  });

  it('frees the slots of a replica that died once their leases expire', async () => {
    const [a, b] = [await replica(), await replica()];
    const key = fresh();
    now = 2_000_000;
    expect((await a.tryAcquire(key, { concurrency: 1 }, 0)).ok).toBe(true);
    // a stops renewing (it "died") without releasing.
    a.close();
    now += 29_000;
    expect((await b.tryAcquire(key, { concurrency: 1 }, 0)).ok).toBe(false);
    now += 2_000;
    expect((await b.tryAcquire(key, { concurrency: 1 }, 0)).ok).toBe(true);
  });

  it('shares TPM, with the estimate corrected by the actual usage on release', async () => {
    const [a, b] = [await replica(), await replica()];
    const key = fresh();
    now = 3_000_000;
    const first = await a.tryAcquire(key, { tpm: 1000 }, 900);
    expect(first.ok).toBe(true);
    now += 5_000;
    expect(await b.tryAcquire(key, { tpm: 1000 }, 200)).toEqual({ ok: false, retryAfterMs: 55_000, limit: 'tpm' });
    if (first.ok) await a.release(first.lease, 100);
    expect((await b.tryAcquire(key, { tpm: 1000 }, 200)).ok).toBe(true);
  });

  it('lets a request larger than the TPM limit through a window that holds nothing', async () => {
    const a = await replica();
    const key = fresh();
    const failed = await a.tryAcquire(key, { tpm: 100 }, 50);
    if (failed.ok) await a.release(failed.lease, 0);
    expect((await a.tryAcquire(key, { tpm: 100 }, 500)).ok).toBe(true);
    expect((await a.tryAcquire(key, { tpm: 100 }, 500)).ok).toBe(false);
  });

  it('keeps its keys under the prefix, each with an expiry', async () => {
    const a = await replica();
    const key = fresh();
    const held = await a.tryAcquire(key, { rpm: 10, tpm: 1000 }, 10);
    const keys = await redis.client.keys(`${redis.prefix}limits:{${key}}:*`);
    expect(keys.sort()).toEqual([`${redis.prefix}limits:{${key}}:leases`, `${redis.prefix}limits:{${key}}:requests`, `${redis.prefix}limits:{${key}}:tokens`]);
    for (const k of keys) expect(await redis.client.pttl(k)).toBeGreaterThan(60_000);
    if (held.ok) await a.release(held.lease, 10);
  });

  it('handles a window of many thousand requests (Lua unpacks them in slices)', async () => {
    const a = await replica();
    const key = fresh();
    const base = `${redis.prefix}limits:{${key}}`;
    now = 5_000_000;
    const pipeline = redis.client.pipeline();
    for (let i = 0; i < 9_000; i++) pipeline.zadd(`${base}:requests`, now - 30_000, `old-${i}`).hset(`${base}:tokens`, `old-${i}`, 1);
    await pipeline.exec();
    // 9,000 tokens in the window: 1,000 more fit under 10,000, 1,001 do not.
    expect((await a.tryAcquire(key, { tpm: 10_000 }, 1_001)).ok).toBe(false);
    expect((await a.tryAcquire(key, { tpm: 10_000 }, 1_000)).ok).toBe(true);
    // Past the minute, all 9,000 leave the window (and the tokens hash) at once.
    now += 31_000;
    expect((await a.tryAcquire(key, { rpm: 2 }, 0)).ok).toBe(true);
    expect(await redis.client.hlen(`${base}:tokens`)).toBe(2);
  });

  it('counts in this process when Redis is down, and says so once', async () => {
    const warnings: string[] = [];
    const a = await replica(CLOSED_REDIS_URL, (m) => warnings.push(m));
    const key = fresh();
    const first = await a.tryAcquire(key, { rpm: 1, concurrency: 1 }, 0);
    expect(first.ok).toBe(true);
    expect((await a.tryAcquire(key, { rpm: 1, concurrency: 1 }, 0)).ok).toBe(false);
    expect(a.inFlight(key)).toBe(1);
    if (first.ok) await a.release(first.lease, 0);
    expect(a.inFlight(key)).toBe(0);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^redis 127\.0\.0\.1:1 is not usable \(.*ECONNREFUSED.*\): limits, budgets and provider health are kept in this process/);
  });

  it("keeps time by Redis' clock, so a replica whose clock is ahead does not drop the others' leases and requests", async () => {
    // Replica b's clock runs 45 s ahead of a's (no NTP): past a's 30 s lease, within its minute.
    const a = await replica(REDIS_URL, () => {}, null);
    const realNow = Date.now;
    // a keeps the real Date.now it took when made; b (and everything else now) gets the skewed one.
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 45_000);
    onTestFinished(() => {
      vi.restoreAllMocks();
    });
    const b = await replica(REDIS_URL, () => {}, null);
    const key = fresh();
    expect((await a.tryAcquire(key, { concurrency: 1, rpm: 1 }, 0)).ok).toBe(true);
    const refused = await b.tryAcquire(key, { concurrency: 1, rpm: 1 }, 0);
    expect(refused).toMatchObject({ ok: false, limit: 'concurrency' });
    // The lease is renewed by Redis' clock too: still held after a renewal.
    await (a as unknown as { renewLeases(): Promise<void> }).renewLeases();
    expect(await b.tryAcquire(key, { concurrency: 2, rpm: 1 }, 0)).toMatchObject({ ok: false, limit: 'rpm' });
    const retry = await b.tryAcquire(key, { rpm: 1 }, 0);
    expect(retry.ok).toBe(false);
    if (!retry.ok) expect(retry.retryAfterMs).toBeGreaterThan(55_000);
  });

  it('takes back an acquire that timed out but reached Redis late, so it holds no slot there', async () => {
    const proxy = await startTcpProxy(Number(new URL(REDIS_URL).port || 6379));
    onTestFinished(() => proxy.stop());
    const link = new RedisLink(`redis://127.0.0.1:${proxy.port}`, { warn: () => {}, commandTimeoutMs: 200 });
    await link.whenSettled(2_000);
    const slow = new RedisLimitCounters(link, { prefix: redis.prefix, now: clock });
    opened.push({ link, counters: slow });
    const other = await replica();
    const key = fresh();
    now = 6_000_000;
    proxy.stall();
    // Timed out: counted in this process instead...
    const local = await slow.tryAcquire(key, { concurrency: 1 }, 0);
    expect(local.ok).toBe(true);
    // ...while the script waits in the stalled connection and runs once it flows again.
    proxy.resume();
    const base = `${redis.prefix}limits:{${key}}`;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await other.tryAcquire(key, { concurrency: 1 }, 0)).toMatchObject({ ok: true });
    expect(await redis.client.zcard(`${base}:requests`)).toBe(1);
  });

  it('releases leases across an outage without leaking or going below zero', async () => {
    const proxy = await startTcpProxy(Number(new URL(REDIS_URL).port || 6379));
    onTestFinished(() => proxy.stop());
    const link = new RedisLink(`redis://127.0.0.1:${proxy.port}`, { warn: () => {}, commandTimeoutMs: 1_000, restAfterFailureMs: 0 });
    await link.whenSettled(2_000);
    const a = new RedisLimitCounters(link, { prefix: redis.prefix, now: clock });
    opened.push({ link, counters: a });
    const key = fresh();
    const shared = await a.tryAcquire(key, { concurrency: 2 }, 0);
    await proxy.stop();
    await expect.poll(() => link.usable, { timeout: 2_000, interval: 20 }).toBe(false);
    const local = await a.tryAcquire(key, { concurrency: 2 }, 0);
    expect(a.inFlight(key)).toBe(2);
    if (shared.ok) await a.release(shared.lease, 5);
    expect(a.inFlight(key)).toBe(1);
    await proxy.start();
    await expect.poll(() => link.usable, { timeout: 5_000, interval: 50 }).toBe(true);
    if (local.ok) await a.release(local.lease, 5);
    if (local.ok) await a.release(local.lease, 5);
    expect(a.inFlight(key)).toBe(0);
    // The shared lease left behind expires by itself; meanwhile it holds one of the two slots.
    expect((await a.tryAcquire(key, { concurrency: 2 }, 0)).ok).toBe(true);
    expect(a.inFlight(key)).toBe(1);
  });

  it('counts the leases of a replica cut off from Redis past their ttl again once Redis is back, but not those released meanwhile', async () => {
    const proxy = await startTcpProxy(Number(new URL(REDIS_URL).port || 6379));
    onTestFinished(() => proxy.stop());
    // The link on the counters' clock: the outage lasts as long for both.
    const link = new RedisLink(`redis://127.0.0.1:${proxy.port}`, { warn: () => {}, commandTimeoutMs: 1_000, restAfterFailureMs: 0, now: clock });
    await link.whenSettled(2_000);
    const a = new RedisLimitCounters(link, { prefix: redis.prefix, now: clock });
    opened.push({ link, counters: a });
    const b = await replica();
    const key = fresh();
    const leases = `${redis.prefix}limits:{${key}}:leases`;
    now = 7_000_000;
    const running = await a.tryAcquire(key, { concurrency: 2 }, 0);
    const finished = await a.tryAcquire(key, { concurrency: 2 }, 0);
    expect(running.ok && finished.ok).toBe(true);
    await proxy.stop();
    await expect.poll(() => link.usable, { timeout: 2_000, interval: 20 }).toBe(false);
    // Past the leases' ttl: on Redis they have expired, and b's next acquire clears them out.
    now += 31_000;
    if (finished.ok) await a.release(finished.lease, undefined);
    const meanwhile = await b.tryAcquire(key, { concurrency: 2 }, 0);
    expect(meanwhile.ok).toBe(true);
    if (meanwhile.ok) await b.release(meanwhile.lease, undefined);
    expect(await redis.client.zcard(leases)).toBe(0);
    await proxy.start();
    // Back: the request still running on a holds its slot again (the one a finished does not).
    await expect.poll(() => redis.client.zcard(leases), { timeout: 5_000, interval: 50 }).toBe(1);
    expect((await b.tryAcquire(key, { concurrency: 2 }, 0)).ok).toBe(true);
    expect(await b.tryAcquire(key, { concurrency: 2 }, 0)).toMatchObject({ ok: false, limit: 'concurrency' });
    if (running.ok) await a.release(running.lease, undefined);
    expect(await redis.client.zcard(leases)).toBe(1);
  });

  it('does not bring back a lease released while its renewal was sent again whole (NOSCRIPT, as after a restart of Redis)', async () => {
    const a = await replica();
    const key = fresh();
    const leases = `${redis.prefix}limits:{${key}}:leases`;
    now = 8_000_000;
    const released = await a.tryAcquire(key, { concurrency: 5 }, 0);
    const running = await a.tryAcquire(key, { concurrency: 5 }, 0);
    if (!released.ok || !running.ok) throw new Error('not admitted');
    // Redis lost both (an outage past their ttl).
    await redis.client.del(leases);
    // This Redis knows the release script but not the renewal's yet: the renewal goes out again as
    // EVAL after its NOSCRIPT answer, behind the release sent in between.
    await redis.client.script('LOAD', RELEASE_SCRIPT);
    const renewSha = createHash('sha1').update(RENEW_SCRIPT).digest('hex');
    const link = (a as unknown as { link: RedisLink }).link;
    const client = link.connection!;
    const forgetful = new Proxy(client, {
      get(target, name, receiver) {
        if (name !== 'evalsha') return Reflect.get(target, name, receiver) as unknown;
        return (sha: string, ...rest: unknown[]): Promise<unknown> =>
          sha === renewSha
            ? Promise.reject(new Error('NOSCRIPT No matching script. Please use EVAL.'))
            : (Reflect.apply(target.evalsha, target, [sha, ...rest]) as Promise<unknown>);
      },
    });
    vi.spyOn(link, 'connection', 'get').mockReturnValue(forgetful as Redis);
    onTestFinished(() => {
      vi.restoreAllMocks();
    });
    const renewing = (a as unknown as { renewLeases(): Promise<void> }).renewLeases();
    await a.release(released.lease, undefined);
    await renewing;
    expect(await redis.client.zrange(leases, 0, -1)).toHaveLength(1);
    await a.release(running.lease, undefined);
    expect(await redis.client.zcard(leases)).toBe(0);
  });

  it('replaces a key of the wrong type under its prefix instead of giving up on Redis for everyone', async () => {
    const warnings: string[] = [];
    const a = await replica(REDIS_URL, (m) => warnings.push(m));
    const b = await replica();
    const key = fresh();
    await redis.client.set(`${redis.prefix}limits:{${key}}:requests`, 'left by something else');
    expect((await a.tryAcquire(key, { rpm: 1 }, 0)).ok).toBe(true);
    // Redis stays in use (other keys are not counted alone for it), and this key is shared again.
    expect(await b.tryAcquire(key, { rpm: 1 }, 0)).toMatchObject({ ok: false, limit: 'rpm' });
    expect(await redis.client.type(`${redis.prefix}limits:{${key}}:requests`)).toBe('zset');
    expect(warnings).toEqual([]);
  });
});
