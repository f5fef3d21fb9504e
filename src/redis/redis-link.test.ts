import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { REDIS_URL } from '../../test/helpers/redis.js';
import { RedisLink, describeRedis } from './redis-link.js';

/**
 * A Redis that was demoted to a read-only replica behind the same address (a failover the DNS name
 * has already moved away from): it answers the handshake, and READONLY to everything else.
 */
async function startReadOnlyRedis(): Promise<{ url: string; connections: () => number; close(): Promise<void> }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      // Commands arrive as RESP arrays of bulk strings: *N, then $len and the text, N times.
      for (;;) {
        const parts = pending.split('\r\n');
        const n = Number(parts[0]?.slice(1));
        if (!parts[0]?.startsWith('*') || parts.length < 2 * n + 2) return;
        const name = parts[2]!.toUpperCase();
        pending = parts.slice(2 * n + 1).join('\r\n');
        const info = 'role:slave\r\nloading:0\r\n';
        if (name === 'INFO') socket.write(`$${info.length}\r\n${info}\r\n`);
        else if (name === 'CLIENT') socket.write('+OK\r\n');
        else socket.write("-READONLY You can't write against a read only replica.\r\n");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `redis://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

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
    const outages: number[] = [];
    link.onBack((outageMs) => outages.push(outageMs));
    await link.whenSettled(2_000);
    expect(link.usable).toBe(true);
    expect(link.trouble).toBeUndefined();

    link.failed(new Error('Command timed out'));
    expect(link.usable).toBe(false);
    expect(link.trouble).toBe('a command failed a moment ago (Command timed out)');
    now += 1_000;
    expect(link.usable).toBe(true);
    link.succeeded();
    // Back, after an outage of a second.
    expect(outages).toEqual([1_000]);
    expect(told).toEqual([
      'redis 127.0.0.1:6379 is not usable (Command timed out): limits, budgets and provider health are kept in this process until it is back, so replicas do not share them meanwhile',
      'redis 127.0.0.1:6379 is usable again: limits, budgets and provider health are shared again',
    ]);

    // Flapping within the minute: nothing more is said.
    for (let i = 0; i < 5; i++) {
      now += 2_000;
      link.failed(new Error('Command timed out'));
      link.succeeded();
    }
    expect(told).toHaveLength(2);
    expect(outages).toEqual([1_000, 0, 0, 0, 0, 0]);
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

  it('reconnects when Redis answers READONLY (a failover moved the primary), rather than staying on the replica', async () => {
    const replica = await startReadOnlyRedis();
    onTestFinished(() => replica.close());
    const link = new RedisLink(replica.url, { warn: () => {} });
    links.push(link);
    await link.whenSettled(2_000);
    expect(link.usable).toBe(true);
    const client = link.connection!;
    await expect(client.zadd('k', 1, 'm')).rejects.toThrow(/^READONLY/);
    // A new connection looks the name up again and so reaches the new primary.
    await expect.poll(() => replica.connections(), { timeout: 3_000, interval: 50 }).toBeGreaterThan(1);
  });
});
