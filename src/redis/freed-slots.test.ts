import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { REDIS_URL, testRedis } from '../../test/helpers/redis.js';
import { startTcpProxy } from '../../test/helpers/tcp-proxy.js';
import { Admission } from '../router/admission.js';
import type { Lease } from '../router/limit-counters.js';
import { RedisLimitCounters } from './redis-limit-counters.js';
import { RedisLink } from './redis-link.js';

/**
 * Replicas waking each other's queued requests through Redis pub/sub: each replica here is a real
 * Admission on real RedisLimitCounters, two of them on one prefix sharing a credential. Without
 * the wake-up, a request queued on b for room a frees looks again only when its retry timer fires:
 * for a credential at its tpm limit the window's minute, so past the queue's 10 s wait (a 429).
 * "At once" is timed from the release, under PROMPT_MS: a loaded machine cannot make the timer pass
 * for the wake-up. The timer itself is timed with concurrency 1, whose retry comes 1,000 ms after
 * the refusal: at least that long from the request's start.
 */
const redis = testRedis();
afterAll(() => redis.cleanup());

interface Replica {
  link: RedisLink;
  counters: RedisLimitCounters;
  admission: Admission;
}

const opened: Replica[] = [];
afterEach(async () => {
  for (const { link, counters } of opened.splice(0)) {
    counters.close();
    await link.close();
  }
});

const never = new AbortController().signal;
const PROMPT_MS = 3_000;
const RETRY_TIMER_MS = 1_000;

let n = 0;
/** Each test's own prefix, so its channel's subscribers are its replicas only. */
const freshPrefix = (): string => `${redis.prefix}${++n}:`;
const credential = (key = 'moonshot/one') => ({ limitKey: key, limits: { concurrency: 1 }, weight: 1 });

async function replica(prefix: string, options: { url?: string; warn?: (m: string) => void; beforeAdmission?: (link: RedisLink) => void } = {}): Promise<Replica> {
  // A patient timeout: a loaded test machine must not make a replica count alone in a test about sharing.
  const link = new RedisLink(options.url ?? REDIS_URL, { warn: options.warn ?? (() => {}), commandTimeoutMs: 1_000 });
  await link.whenSettled(2_000);
  options.beforeAdmission?.(link);
  const counters = new RedisLimitCounters(link, { prefix });
  const admission = new Admission(counters, { maxWaitMs: 10_000, maxQueueSize: 10 });
  const made = { link, counters, admission };
  opened.push(made);
  return made;
}

/** Waits until `count` connections listen on the prefix's channel. */
async function subscribers(prefix: string, count: number): Promise<void> {
  await expect
    .poll(async () => ((await redis.client.pubsub('NUMSUB', `${prefix}freed:0`)) as [string, number])[1], { timeout: 5_000, interval: 20 })
    .toBe(count);
}

/** A credential at its tpm limit: 900 of 1,000 tokens held, 200 wanted; its retry is a minute away. */
const tokensCredential = (key = 'moonshot/tokens') => ({ limitKey: key, limits: { tpm: 1_000 }, weight: 1 });

/**
 * a holds the room, b's request queues for it, a releases (its request used no tokens after all):
 * ms from a's release to b's admission, and from b's request to its admission.
 */
async function waitedForRoom(a: Replica, b: Replica, limit: 'tpm' | 'concurrency', key = `moonshot/${limit}`): Promise<{ sinceRelease: number; sinceRequest: number }> {
  const [cred, held, wanted] = limit === 'tpm' ? [tokensCredential(key), 900, 200] : [credential(key), 0, 0];
  const hold = await a.admission.admit([cred], held, never);
  let admitted: { lease: Lease | undefined } | undefined;
  const requestedAt = performance.now();
  const waiting = b.admission.admit([cred], wanted, never).then((result) => {
    admitted = result;
    return performance.now();
  });
  await expect.poll(() => b.admission.queued, { timeout: 5_000, interval: 2 }).toBe(1);
  const releasedAt = performance.now();
  await a.admission.release(hold.lease, 0);
  const admittedAt = await waiting;
  await b.admission.release(admitted?.lease, 0);
  return { sinceRelease: admittedAt - releasedAt, sinceRequest: admittedAt - requestedAt };
}

describe('FreedSlots (requests queued on one replica, woken by a release on another)', () => {
  it('wakes a request queued on another replica as soon as the slot is freed, not at its retry timer', async () => {
    const prefix = freshPrefix();
    const [a, b] = [await replica(prefix), await replica(prefix)];
    await subscribers(prefix, 2);
    expect((await waitedForRoom(a, b, 'tpm')).sinceRelease).toBeLessThan(PROMPT_MS);
    // And the other way round, and for a concurrency slot.
    expect((await waitedForRoom(b, a, 'tpm', 'moonshot/tokens-2')).sinceRelease).toBeLessThan(PROMPT_MS);
    expect((await waitedForRoom(a, b, 'concurrency')).sinceRelease).toBeLessThan(RETRY_TIMER_MS);
  });

  it('publishes only while some replica waits under the key, with the releasing replica and the key', async () => {
    const prefix = freshPrefix();
    const a = await replica(prefix);
    const listener = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    onTestFinished(() => listener.disconnect());
    const heard: string[] = [];
    listener.on('message', (_channel: string, message: string) => heard.push(message));
    await listener.subscribe(`${prefix}freed:0`);
    // Nobody waits: the release publishes nothing.
    const quiet = await a.counters.tryAcquire('moonshot/quiet', { concurrency: 1 }, 0);
    if (!quiet.ok) throw new Error('not admitted');
    await a.counters.release(quiet.lease, undefined);
    // Refused for concurrency, answered at once (a gateway key's 429, a fallback tried instead):
    // nobody waits, so nothing is marked...
    const held = await a.counters.tryAcquire('moonshot/busy', { concurrency: 1 }, 0);
    if (!held.ok) throw new Error('not admitted');
    expect(await a.counters.tryAcquire('moonshot/busy', { concurrency: 1 }, 0)).toMatchObject({ ok: false, limit: 'concurrency' });
    expect(await redis.client.exists(`${prefix}limits:{moonshot/busy}:waiting`)).toBe(0);
    // ...refused for a request that will wait: the key is marked as waited on for the retry-after and 2 s more...
    expect(await a.counters.tryAcquire('moonshot/busy', { concurrency: 1 }, 0, true)).toMatchObject({ ok: false, limit: 'concurrency' });
    const mark = await redis.client.pttl(`${prefix}limits:{moonshot/busy}:waiting`);
    expect(mark).toBeGreaterThan(2_500);
    expect(mark).toBeLessThanOrEqual(3_000);
    // ...so its release is published (in order: a message for the first release would come first).
    await a.counters.release(held.lease, undefined);
    await expect.poll(() => heard.length, { timeout: 2_000, interval: 10 }).toBe(1);
    expect(heard[0]).toMatch(/^[0-9a-f]{12} moonshot\/busy$/);
    // A tpm refusal marks the key until its window frees (a release's actual usage may free it sooner).
    const big = await a.counters.tryAcquire('moonshot/tokens', { tpm: 1_000 }, 900);
    expect(await a.counters.tryAcquire('moonshot/tokens', { tpm: 1_000 }, 200, true)).toMatchObject({ ok: false, limit: 'tpm' });
    expect(await redis.client.pttl(`${prefix}limits:{moonshot/tokens}:waiting`)).toBeGreaterThan(60_000);
    if (big.ok) await a.counters.release(big.lease, 100);
    await expect.poll(() => heard.length, { timeout: 2_000, interval: 10 }).toBe(2);
    expect(heard[1]).toMatch(/ moonshot\/tokens$/);
  });

  it("tells the other replicas' listeners the key, not the releasing replica's own (it woke its queue itself)", async () => {
    const prefix = freshPrefix();
    const [a, b] = [await replica(prefix), await replica(prefix)];
    const heardBy = { a: [] as string[], b: [] as string[] };
    a.counters.onFreed((key) => heardBy.a.push(key));
    b.counters.onFreed((key) => heardBy.b.push(key));
    await subscribers(prefix, 2);
    const held = await a.counters.tryAcquire('moonshot/own', { concurrency: 1 }, 0);
    if (!held.ok) throw new Error('not admitted');
    expect((await b.counters.tryAcquire('moonshot/own', { concurrency: 1 }, 0, true)).ok).toBe(false);
    await a.counters.release(held.lease, undefined);
    await expect.poll(() => heardBy.b, { timeout: 2_000, interval: 10 }).toEqual(['moonshot/own']);
    // b's own release next: heard by a, and by then a would have heard its own (published first).
    const again = await b.counters.tryAcquire('moonshot/own', { concurrency: 1 }, 0);
    if (!again.ok) throw new Error('not admitted');
    await b.counters.release(again.lease, undefined);
    await expect.poll(() => heardBy.a, { timeout: 2_000, interval: 10 }).toEqual(['moonshot/own']);
    expect(heardBy.b).toEqual(['moonshot/own']);
  });

  it('falls back to the retry timer while its subscriber connection is cut, and wakes at once again when it is back', async () => {
    const proxy = await startTcpProxy(Number(new URL(REDIS_URL).port || 6379));
    onTestFinished(() => proxy.stop());
    const prefix = freshPrefix();
    const a = await replica(prefix);
    // b's commands go straight to Redis, its subscriber connection through the proxy.
    const b = await replica(prefix, {
      beforeAdmission: (link) => {
        vi.spyOn(link, 'duplicate').mockImplementation(async () => new Redis(`redis://127.0.0.1:${proxy.port}`, { lazyConnect: true, retryStrategy: () => 100 }));
      },
    });
    await subscribers(prefix, 2);
    expect((await waitedForRoom(a, b, 'tpm')).sinceRelease).toBeLessThan(PROMPT_MS);

    await proxy.stop();
    await subscribers(prefix, 1);
    // a's release is published to nobody on b: b's request is admitted when its timer fires.
    const waited = await waitedForRoom(a, b, 'concurrency');
    expect(waited.sinceRequest).toBeGreaterThanOrEqual(RETRY_TIMER_MS - 5);
    expect(waited.sinceRequest).toBeLessThan(5_000);
    expect(b.link.usable).toBe(true);

    await proxy.start();
    // Reconnected and subscribed again by itself.
    await subscribers(prefix, 2);
    expect((await waitedForRoom(a, b, 'tpm')).sinceRelease).toBeLessThan(PROMPT_MS);
  });

  it('still releases, and says once why queued requests wait for their timer, with a Redis user refused the channel (ACL)', async () => {
    // Redis 7 gives a new ACL user no channels (acl-pubsub-default resetchannels): PUBLISH and
    // SUBSCRIBE are refused. A release must not fail for it, or every replica would count alone.
    const user = `moongate-test-${randomUUID()}`;
    await redis.client.call('ACL', 'SETUSER', user, 'on', 'nopass', '~*', '+@all', 'resetchannels');
    onTestFinished(async () => {
      await redis.client.call('ACL', 'DELUSER', user);
    });
    const url = `redis://${user}:unused@127.0.0.1:${new URL(REDIS_URL).port || 6379}`;
    const prefix = freshPrefix();
    const warnings: string[] = [];
    const a = await replica(prefix, { url, warn: (m) => warnings.push(m) });
    const b = await replica(prefix, { url, warn: (m) => warnings.push(m) });
    await expect.poll(() => warnings.length, { timeout: 5_000, interval: 20 }).toBe(2);
    // The publishing release works (the request is admitted by its timer), and leaves no lease behind.
    const waited = await waitedForRoom(a, b, 'concurrency');
    expect(waited.sinceRequest).toBeLessThan(5_000);
    expect(await redis.client.zcard(`${prefix}limits:{moonshot/concurrency}:leases`)).toBe(0);
    expect(a.link.usable && b.link.usable).toBe(true);
    expect(warnings).toHaveLength(2);
    for (const warning of warnings) {
      expect(warning).toMatch(new RegExp(`^redis 127\\.0\\.0\\.1:\\d+ refused SUBSCRIBE ${prefix}freed:0 \\(NOPERM.*\\): a request queued on this replica .* allow the channel to the Redis user \\(ACL: &${prefix}freed:0\\)$`));
    }
  });

  it("names its channel after the URL's database: channels are not per database, and another deployment's releases are not this one's", async () => {
    const prefix = freshPrefix();
    const { hostname, port } = new URL(REDIS_URL);
    await replica(prefix, { url: `redis://${hostname}:${port || 6379}/3` });
    await replica(prefix);
    await subscribers(prefix, 1);
    await expect.poll(async () => ((await redis.client.pubsub('NUMSUB', `${prefix}freed:3`)) as [string, number])[1], { timeout: 5_000, interval: 20 }).toBe(1);
  });

  it('closes its subscriber connection with the counters', async () => {
    const prefix = freshPrefix();
    const a = await replica(prefix);
    await subscribers(prefix, 1);
    a.counters.close();
    await subscribers(prefix, 0);
    // Listening after close opens nothing.
    a.counters.onFreed(() => {});
    await new Promise((resolve) => setTimeout(resolve, 100));
    await subscribers(prefix, 0);
  });
});
