import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { chatLoad, killBuiltClis, startBuiltCli } from '../helpers/built-cli.js';

/**
 * SIGTERM under load, against the built CLI (`npm run build` first): the gateway stops taking
 * new requests, finishes the ones in flight, flushes its log writer and exits 0 — and every
 * request a client saw complete has its record in the database.
 */
let sim: Simulator;
let dir: string;

beforeAll(async () => {
  sim = await startSimulator({ quiet: true, tokenDelayMs: 15 });
  dir = mkdtempSync(join(tmpdir(), 'moongate-sigterm-'));
});
afterAll(async () => {
  killBuiltClis();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SIGTERM under load', () => {
  it('records every request that completed before the process exited', { timeout: 60_000 }, async () => {
    const dbPath = join(dir, 'data', 'moongate.db');
    const { url, output, exited, signal } = await startBuiltCli({ dir, name: 'moongate', sim, dbPath, router: '{ retries: 0, cooldown: { fails: 1000 } }' });
    expect(output()).toContain(`logs: sqlite:${dbPath}`);

    const load = chatLoad(url, 24);
    await new Promise((r) => setTimeout(r, 1_500));
    const inFlightAtSignal = sim.stats.inFlight;
    signal('SIGTERM');
    await load.stop();
    const completed = load.completed;
    expect(await exited).toBe(0);
    expect(output()).toContain('logs flushed');
    expect(inFlightAtSignal).toBeGreaterThan(0); // the signal really landed under load

    const store = await SqliteStore.open(dbPath);
    try {
      const records = (await store.logs.list({ limit: 10_000, omit_bodies: true })).records;
      const ids = new Set(records.map((r) => r.id));
      const missing = completed.filter((id) => !ids.has(id));
      expect(missing).toEqual([]);
      expect(completed.length).toBeGreaterThan(40);
      expect(records.filter((r) => completed.includes(r.id)).every((r) => r.status === 200 && r.prompt_tokens! > 0)).toBe(true);
      console.log(`SIGTERM under load: ${completed.length} requests completed, ${records.length} records stored, ${inFlightAtSignal} in flight upstream at the signal`);
    } finally {
      await store.close();
    }
  });
});
