import { afterEach, describe, expect, it } from 'vitest';
import { REDIS_URL } from '../../test/helpers/redis.js';
import { RedisLink, describeRedis } from './redis-link.js';

const links: RedisLink[] = [];
afterEach(async () => {
  for (const link of links.splice(0)) await link.close();
});

describe('RedisLink', () => {
  it('names Redis without its password', () => {
    expect(describeRedis('redis://:s3cret@cache.internal:6380/2')).toBe('redis cache.internal:6380');
    expect(describeRedis('rediss://user:s3cret@cache.internal')).toBe('redis cache.internal:6379');
  });

  it('rests after a failed command, and tells an outage at most once a minute', async () => {
    let now = 0;
    const told: string[] = [];
    const link = new RedisLink(REDIS_URL, { warn: (m) => told.push(m), now: () => now, restAfterFailureMs: 1_000 });
    links.push(link);
    await link.whenSettled(2_000);
    expect(link.usable).toBe(true);
    expect(link.trouble).toBeUndefined();

    link.failed(new Error('Command timed out'));
    expect(link.usable).toBe(false);
    expect(link.trouble).toBe('a command failed a moment ago (Command timed out)');
    now += 1_000;
    expect(link.usable).toBe(true);
    link.succeeded();
    expect(told).toEqual([
      'redis 127.0.0.1:6379 is not usable (Command timed out): limits and provider health are kept in this process until it is back, so replicas do not share them meanwhile',
      'redis 127.0.0.1:6379 is usable again: limits and provider health are shared again',
    ]);

    // Flapping within the minute: nothing more is said.
    for (let i = 0; i < 5; i++) {
      now += 2_000;
      link.failed(new Error('Command timed out'));
      link.succeeded();
    }
    expect(told).toHaveLength(2);
    now += 60_000;
    link.failed(new Error('Command timed out'));
    expect(told).toHaveLength(3);
  });

  it('stays unusable on a database the server does not have, instead of sharing database 0', async () => {
    const told: string[] = [];
    const link = new RedisLink(`${REDIS_URL}/9999`, { warn: (m) => told.push(m) });
    links.push(link);
    await link.whenSettled(2_000);
    // ioredis goes on to 'ready' on database 0 after the failed SELECT: give it the time to.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(link.usable).toBe(false);
    expect(link.trouble).toMatch(/DB index is out of range.*database 9999/);
    expect(told).toHaveLength(1);
  });
});
