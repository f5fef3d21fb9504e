import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CLOSED_REDIS_URL, REDIS_URL, testRedis } from '../../test/helpers/redis.js';
import { DeploymentHealth } from '../router/deployment-health.js';
import { RedisLink } from './redis-link.js';
import { SharedHealth } from './shared-health.js';

const redis = testRedis();
afterAll(() => redis.cleanup());

const opened: { link: RedisLink; shared: SharedHealth }[] = [];
afterEach(async () => {
  for (const { link, shared } of opened.splice(0)) {
    shared.close();
    await link.close();
  }
});

let run = 0;
/** Replicas' health on one prefix; refreshed by hand (the timer is set far off). */
async function replicas(count: number, url = REDIS_URL): Promise<{ health: DeploymentHealth; shared: SharedHealth }[]> {
  const prefix = `${redis.prefix}${++run}:`;
  const out = [];
  for (let i = 0; i < count; i++) {
    const link = new RedisLink(url, { warn: () => {}, commandTimeoutMs: 1_000 });
    await link.whenSettled(2_000);
    const health = new DeploymentHealth({ fails: 1, cooldownMs: 60_000, windowMs: 60_000 });
    const shared = new SharedHealth(link, health, { prefix, refreshMs: 60_000 });
    opened.push({ link, shared });
    out.push({ health, shared });
  }
  return out;
}

const seen = async (r: { shared: SharedHealth }, check: () => boolean): Promise<void> =>
  expect.poll(async () => (await r.shared.refresh(), check()), { timeout: 3_000, interval: 50 }).toBe(true);

describe('SharedHealth', () => {
  it('rests a deployment on every replica once one rests it, and brings it back when that one recovers', async () => {
    const [a, b] = await replicas(2);
    a!.health.onFailure('moonshot/main/kimi', 'HTTP 500');
    await seen(b!, () => !b!.health.canTry('moonshot/main/kimi', 'moonshot/main'));
    expect(b!.health.snapshot(['moonshot/main'])[0]).toMatchObject({ state: 'cooling_down', deployments: [{ model: 'kimi', last_error: 'HTTP 500' }] });
    a!.health.onSuccess('moonshot/main/kimi', 'moonshot/main');
    await seen(b!, () => b!.health.canTry('moonshot/main/kimi', 'moonshot/main'));
  });

  it('disables a credential on every replica, and enables it again', async () => {
    const [a, b] = await replicas(2);
    a!.health.disableCredential('moonshot/main', 'Invalid Authentication');
    await seen(b!, () => b!.health.isDisabled('moonshot/main'));
    a!.health.enableCredential('moonshot/main');
    await seen(b!, () => !b!.health.isDisabled('moonshot/main'));
  });

  it('lifts what a replica found when another lifts it before the finder read Redis again (an admin test, a probe)', async () => {
    const [a, b] = await replicas(2);
    b!.health.disableCredential('moonshot/main', 'Invalid Authentication');
    b!.health.onFailure('moonshot/main/kimi', 'HTTP 500');
    await seen(a!, () => a!.health.isDisabled('moonshot/main') && !a!.health.canTry('moonshot/main/kimi', 'moonshot/other'));
    // On a: POST /admin/credentials/…/test succeeded; a request to the deployment succeeded.
    a!.health.enableCredential('moonshot/main');
    a!.health.onSuccess('moonshot/main/kimi', 'moonshot/other');
    await seen(b!, () => !b!.health.isDisabled('moonshot/main') && b!.health.canTry('moonshot/main/kimi', 'moonshot/other'));
  });

  it('enables a credential everywhere when a replica that had not yet seen it disabled re-enables it', async () => {
    const [a, b] = await replicas(2);
    b!.health.disableCredential('moonshot/main', 'Invalid Authentication');
    await new Promise((r) => setTimeout(r, 200));
    // An admin's test of the key succeeds on a before a read Redis again.
    a!.health.enableCredential('moonshot/main');
    await new Promise((r) => setTimeout(r, 200));
    await a!.shared.refresh();
    expect(a!.health.isDisabled('moonshot/main')).toBe(false);
    await seen(b!, () => !b!.health.isDisabled('moonshot/main'));
  });

  it("times what it shares by Redis' clock, so a replica whose clock is behind does not have its findings dropped", async () => {
    const prefix = `${redis.prefix}${++run}:`;
    const make = async (now: () => number, refresh = true): Promise<{ health: DeploymentHealth; shared: SharedHealth }> => {
      const link = new RedisLink(REDIS_URL, { warn: () => {}, commandTimeoutMs: 1_000 });
      await link.whenSettled(2_000);
      const health = new DeploymentHealth({ fails: 1, cooldownMs: 60_000, windowMs: 60_000, now });
      const shared = new SharedHealth(link, health, { prefix, refreshMs: 60_000, now });
      opened.push({ link, shared });
      if (refresh) await shared.refresh();
      return { health, shared };
    };
    const a = await make(Date.now);
    // b's clock is 5 minutes behind: its rest "ends" 4 minutes before a's now.
    const b = await make(() => Date.now() - 300_000);
    b.health.onFailure('moonshot/main/kimi', 'HTTP 500');
    await seen(a, () => !a.health.canTry('moonshot/main/kimi', 'moonshot/main'));
    expect(a.health.availableIn('moonshot/main/kimi', 'moonshot/main')).toBeGreaterThan(55_000);
    await b.shared.refresh();
    expect(b.health.canTry('moonshot/main/kimi', 'moonshot/main')).toBe(false);
    // A finding made before the replica first read Redis (it came up a moment ago) is timed right too.
    const c = await make(() => Date.now() - 300_000, false);
    c.health.disableCredential('moonshot/other', 'Invalid Authentication');
    await seen(a, () => a.health.isDisabled('moonshot/other'));
  });

  it('replaces a health key of the wrong type instead of giving up on Redis for everyone', async () => {
    const [a, b] = await replicas(2);
    const key = `${redis.prefix}${run}:health:rests`;
    await redis.client.set(key, 'left by something else');
    await a!.shared.refresh();
    await b!.shared.refresh();
    a!.health.onFailure('moonshot/main/kimi', 'HTTP 500');
    await seen(b!, () => !b!.health.canTry('moonshot/main/kimi', 'moonshot/main'));
    expect(await redis.client.type(key)).toBe('hash');
  });

  it('does not shorten a longer rest a replica found itself', async () => {
    const [a, b] = await replicas(2);
    b!.health.coolFor('moonshot/main/kimi', 120_000, 'HTTP 429');
    a!.health.onFailure('moonshot/main/kimi', 'HTTP 500');
    await b!.shared.refresh();
    await new Promise((r) => setTimeout(r, 100));
    await b!.shared.refresh();
    expect(b!.health.availableIn('moonshot/main/kimi', 'moonshot/main')).toBeGreaterThan(100_000);
  });

  it('keeps the longer rest in Redis when a replica writes a shorter one after it', async () => {
    const [a, b, c] = await replicas(3);
    a!.health.onFailure('moonshot/main/kimi', 'HTTP 500');
    await seen(c!, () => c!.health.availableIn('moonshot/main/kimi', 'moonshot/main') > 55_000);
    // b has not read Redis since: its own finding is a 429 asking for 5 s.
    b!.health.coolFor('moonshot/main/kimi', 5_000, 'HTTP 429');
    await new Promise((r) => setTimeout(r, 200));
    for (const r of [b!, c!]) {
      await r.shared.refresh();
      expect(r.health.availableIn('moonshot/main/kimi', 'moonshot/main')).toBeGreaterThan(55_000);
    }
    expect(c!.health.snapshot(['moonshot/main'])[0]?.deployments[0]).toMatchObject({ state: 'cooling_down', last_error: 'HTTP 500' });
    // A longer one still replaces it, and a recovery still ends it.
    b!.health.coolFor('moonshot/main/kimi', 120_000, 'HTTP 429');
    await seen(c!, () => c!.health.availableIn('moonshot/main/kimi', 'moonshot/main') > 110_000);
    a!.health.onSuccess('moonshot/main/kimi', 'moonshot/main');
    await seen(c!, () => c!.health.canTry('moonshot/main/kimi', 'moonshot/main'));
  });

  it('a recovery ends the rests begun before the attempt that proved it, not one begun after it was sent', async () => {
    const [a, b, c] = await replicas(3);
    a!.health.onFailure('moonshot/main/kimi', 'HTTP 500');
    await seen(b!, () => !b!.health.canTry('moonshot/main/kimi', 'moonshot/main'));
    await seen(c!, () => !c!.health.canTry('moonshot/main/kimi', 'moonshot/main'));
    // b sends a request to the deployment (a probe, say); while it runs, a gets a 429 asking for 2 minutes.
    const attemptBegan = Date.now();
    // Past the second the replicas' clocks may be taken to differ by.
    await new Promise((r) => setTimeout(r, 1_200));
    a!.health.coolFor('moonshot/main/kimi', 120_000, 'HTTP 429');
    await seen(c!, () => c!.health.availableIn('moonshot/main/kimi', 'moonshot/main') > 110_000);
    // b's request succeeds: it proves the first rest over, not the 429 that came after it was sent.
    b!.health.onSuccess('moonshot/main/kimi', 'moonshot/main', attemptBegan);
    await new Promise((r) => setTimeout(r, 200));
    for (const r of [b!, c!]) {
      await r.shared.refresh();
      expect(r.health.availableIn('moonshot/main/kimi', 'moonshot/main')).toBeGreaterThan(110_000);
    }
    // A success sent after the 429's rest began ends it everywhere.
    b!.health.onSuccess('moonshot/main/kimi', 'moonshot/main');
    await seen(c!, () => c!.health.canTry('moonshot/main/kimi', 'moonshot/main'));
    await seen(a!, () => a!.health.canTry('moonshot/main/kimi', 'moonshot/main'));
  });

  it('keeps working alone when Redis is down', async () => {
    const [a] = await replicas(1, CLOSED_REDIS_URL);
    a!.health.onFailure('moonshot/main/kimi', 'HTTP 500');
    await a!.shared.refresh();
    expect(a!.health.canTry('moonshot/main/kimi', 'moonshot/main')).toBe(false);
  });
});
