import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { killBuiltClis, startBuiltCli } from '../helpers/built-cli.js';

/**
 * One Ctrl-C under `npm start` (its shell exec'ing node, as bash does) reaches the gateway twice
 * at once: from the terminal and forwarded by npm. That is one request to stop, against the built
 * CLI: the streams in flight finish and every record is written, rather than an exit on the spot.
 */
let sim: Simulator;
let dir: string;

beforeAll(async () => {
  sim = await startSimulator({ quiet: true, tokenDelayMs: 40 });
  dir = mkdtempSync(join(tmpdir(), 'moongate-double-signal-'));
});
afterAll(async () => {
  killBuiltClis();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a signal delivered twice at once', () => {
  it('finishes the streams in flight and writes their records', { timeout: 60_000 }, async () => {
    const dbPath = join(dir, 'data', 'moongate.db');
    const { url, output, exited, signal } = await startBuiltCli({ dir, name: 'moongate', sim, dbPath });

    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0 });
    const streams = Array.from({ length: 4 }, async (_, i) => {
      const { data, response } = await client.chat.completions
        .create({ model: 'moonshot/kimi-k2.6', stream: true, messages: [{ role: 'user', content: `[[sim:tokens=30]] stream ${i}` }] })
        .withResponse();
      let finish: string | null | undefined;
      for await (const chunk of data) finish = chunk.choices[0]?.finish_reason ?? finish;
      return { id: response.headers.get('x-moongate-request-id')!, finish };
    });
    await expect.poll(() => sim.stats.inFlight).toBe(4);
    signal('SIGINT');
    // A moment apart, as they come from two processes (two at once are merged by the kernel).
    await new Promise((r) => setTimeout(r, 50));
    signal('SIGINT');
    const done = await Promise.all(streams);
    expect(await exited).toBe(0);
    expect(output()).toContain('logs flushed');
    expect(done.map((d) => d.finish)).toEqual(['stop', 'stop', 'stop', 'stop']);

    const store = await SqliteStore.open(dbPath);
    try {
      for (const { id } of done) expect((await store.logs.get(id))?.status).toBe(200);
    } finally {
      await store.close();
    }
  });
});

describe('server.drain_timeout_ms', () => {
  it('stops what is still running after it, with an error its client can read, logs it, and exits', { timeout: 60_000 }, async () => {
    const dbPath = join(dir, 'drain', 'moongate.db');
    const { url, output, exited, signal } = await startBuiltCli({ dir, name: 'drain', sim, dbPath, yaml: 'server: { drain_timeout_ms: 300 }\n' });

    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0 });
    // 500 tokens 40 ms apart: 20 s, far past the drain time.
    const { data, response } = await client.chat.completions
      .create({ model: 'moonshot/kimi-k2.6', stream: true, messages: [{ role: 'user', content: '[[sim:tokens=500]] a long one' }] })
      .withResponse();
    const id = response.headers.get('x-moongate-request-id')!;
    const read = (async () => {
      for await (const chunk of data) void chunk;
    })();
    await expect.poll(() => sim.stats.inFlight).toBe(1);
    const signalledAt = performance.now();
    signal('SIGTERM');
    await expect(read).rejects.toThrow(/the gateway is shutting down and stopped this request after its drain time/);
    expect(await exited).toBe(0);
    expect(performance.now() - signalledAt).toBeLessThan(10_000);
    expect(output()).toContain('logs flushed');

    const store = await SqliteStore.open(dbPath);
    try {
      expect((await store.logs.get(id))?.error_message).toMatch(/the gateway is shutting down/);
    } finally {
      await store.close();
    }
  });
});
