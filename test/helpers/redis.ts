import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

/** The Redis the tests share (CI runs one at 127.0.0.1:6379). */
export const REDIS_URL = process.env.MOONGATE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A loopback port nothing listens on: a Redis that is down. */
export const CLOSED_REDIS_URL = 'redis://127.0.0.1:1';

/**
 * A key prefix of its own for one test file's run, and a client to look at Redis with; `cleanup`
 * deletes every key under the prefix and closes the client.
 */
export function testRedis(): { prefix: string; client: Redis; cleanup(): Promise<void> } {
  const prefix = `moongate-test:${randomUUID()}:`;
  const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  return {
    prefix,
    client,
    async cleanup() {
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        if (keys.length > 0) await client.del(...keys);
        cursor = next;
      } while (cursor !== '0');
      client.disconnect();
    },
  };
}
