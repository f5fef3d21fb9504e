import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { GLOBAL_KEY } from '../helpers/stack.js';

/**
 * SIGTERM under load, against the built CLI (`npm run build` first): the gateway stops taking
 * new requests, finishes the ones in flight, flushes its log writer and exits 0 — and every
 * request a client saw complete has its record in the database.
 */
const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
let sim: Simulator;
let dir: string;
let child: ChildProcess | undefined;

beforeAll(async () => {
  sim = await startSimulator({ quiet: true, tokenDelayMs: 15 });
  dir = mkdtempSync(join(tmpdir(), 'moongate-sigterm-'));
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SIGTERM under load', () => {
  it('records every request that completed before the process exited', { timeout: 60_000 }, async () => {
    const config = join(dir, 'moongate.yaml');
    const dbPath = join(dir, 'data', 'moongate.db');
    writeFileSync(
      config,
      `store: sqlite:${dbPath}
router: { retries: 0, cooldown: { fails: 1000 } }
providers:
  moonshot:
    regions: { global: ${sim.globalBaseUrl}, cn: ${sim.cnBaseUrl} }
    credentials: [{ name: main, api_key: ${GLOBAL_KEY} }]
`,
    );
    child = spawn(process.execPath, [cli, 'start', '--config', config, '--host', '127.0.0.1', '--port', '0'], { cwd: dir, env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        // The address and the store's description are printed as two lines, which can arrive
        // in two reads: wait for both.
        const m = /listening on (http:\/\/\S+)/.exec(stdout);
        if (m && stdout.includes('moongate: logs: ')) {
          clearInterval(timer);
          resolve(m[1]!);
        }
      }, 20);
      setTimeout(() => reject(new Error(`gateway did not start:\n${stdout}`)), 15_000);
    });
    expect(stdout).toContain(`logs: sqlite:${dbPath}`);

    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0 });
    const completed: string[] = [];
    let stopping = false;
    let n = 0;
    const worker = async (w: number) => {
      while (!stopping) {
        const i = n++;
        try {
          if (i % 2 === 0) {
            const { data, response } = await client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: `[[sim:tokens=${(i % 7) + 3}]] stream ${w}/${i}` }], stream: true }).withResponse();
            for await (const _chunk of data) {
              // read it all
            }
            completed.push(response.headers.get('x-moongate-request-id')!);
          } else {
            const { response } = await client.chat.completions.create({ model: 'moonshot/moonshot-v1-8k', messages: [{ role: 'user', content: `[[sim:tokens=${(i % 5) + 2}]] json ${w}/${i}` }] }).withResponse();
            completed.push(response.headers.get('x-moongate-request-id')!);
          }
        } catch {
          // Refused or cut once the gateway is going away: not completed, so no record is owed.
          if (stopping) return;
        }
      }
    };
    const workers = Array.from({ length: 24 }, (_, w) => worker(w));
    await new Promise((r) => setTimeout(r, 1_500));
    const inFlightAtSignal = sim.stats.inFlight;
    child.kill('SIGTERM');
    stopping = true;
    await Promise.all(workers);
    expect(await exited).toBe(0);
    child = undefined;
    expect(stdout).toContain('logs flushed');
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
