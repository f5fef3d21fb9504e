import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { chatLoad, killBuiltClis, startBuiltCli } from '../helpers/built-cli.js';

/**
 * An internal error nothing handles (here a rejected promise, raised on SIGUSR2 by a module loaded
 * before the gateway), under load, against the built CLI (`npm run build` first): the gateway says
 * what happened, ends the requests in flight, writes every queued log record and exits 1 — every
 * request a client saw complete has its record, where Node's default exit would have lost them.
 */
const bug = fileURLToPath(new URL('../helpers/reject-on-sigusr2.mjs', import.meta.url));
let sim: Simulator;
let dir: string;

beforeAll(async () => {
  sim = await startSimulator({ quiet: true, tokenDelayMs: 15 });
  dir = mkdtempSync(join(tmpdir(), 'moongate-internal-error-'));
});
afterAll(async () => {
  killBuiltClis();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The built CLI with the simulated bug loaded, once ready. */
function startGateway(name: string): ReturnType<typeof startBuiltCli> {
  return startBuiltCli({ dir, name, sim, dbPath: dbPathOf(name), router: '{ retries: 0, cooldown: { fails: 1000 } }', nodeArgs: ['--import', bug] });
}
const dbPathOf = (name: string): string => join(dir, name, 'moongate.db');

describe('an internal error under load', () => {
  it('writes the record of every request that completed, then exits 1', { timeout: 60_000 }, async () => {
    const { url, output, exited, signal } = await startGateway('load');
    const load = chatLoad(url, 16);
    // Under way, with enough answered to check (a count of time would vary with the machine).
    await expect.poll(() => load.completed.length, { timeout: 30_000, interval: 100 }).toBeGreaterThan(30);
    const inFlightAtError = sim.stats.inFlight;
    signal('SIGUSR2');
    await load.stop();
    const completed = load.completed;
    expect(await exited).toBe(1);
    expect(output()).toContain('moongate: internal error (a promise was rejected and nothing handled it): Error: a simulated bug (SIGUSR2)');
    expect(output()).toContain('logs flushed after the internal error');
    expect(inFlightAtError).toBeGreaterThan(0);

    const store = await SqliteStore.open(dbPathOf('load'));
    try {
      const records = (await store.logs.list({ limit: 10_000, omit_bodies: true })).records;
      const ids = new Set(records.map((r) => r.id));
      expect(completed.filter((id) => !ids.has(id))).toEqual([]);
      expect(completed.length).toBeGreaterThan(30);
      console.log(`internal error under load: ${completed.length} requests completed, ${records.length} records stored, ${inFlightAtError} in flight upstream at the error`);
    } finally {
      await store.close();
    }
  });

  it('during a shutdown signal’s drain, still exits 1, without waiting out the drain', { timeout: 60_000 }, async () => {
    const { url, output, exited, signal } = await startGateway('draining');
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0 });
    // A stream of ~15 s: the 25 s drain would wait for it.
    const { data, response } = await client.chat.completions
      .create({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: '[[sim:tokens=1000]] a long one' }], stream: true })
      .withResponse();
    const reading = (async () => {
      try {
        for await (const _chunk of data) {
          // read until it ends
        }
        return 'ended';
      } catch (err) {
        return String(err);
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    signal('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    const errorAt = performance.now();
    signal('SIGUSR2');
    expect(await exited).toBe(1);
    expect(performance.now() - errorAt).toBeLessThan(5_000);
    expect(output()).toContain('SIGTERM received');
    expect(output()).toContain('moongate: internal error');
    expect(await reading).toMatch(/shutting down/);

    const store = await SqliteStore.open(dbPathOf('draining'));
    try {
      const record = (await store.logs.list({ limit: 10, omit_bodies: true })).records.find((r) => r.id === response.headers.get('x-moongate-request-id'));
      expect(record?.error_message).toMatch(/shutting down/);
    } finally {
      await store.close();
    }
  });
});
