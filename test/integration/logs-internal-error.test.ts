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
 * An internal error nothing handles (here a rejected promise, raised on SIGUSR2 by a module loaded
 * before the gateway), under load, against the built CLI (`npm run build` first): the gateway says
 * what happened, ends the requests in flight, writes every queued log record and exits 1 — every
 * request a client saw complete has its record, where Node's default exit would have lost them.
 */
const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const bug = fileURLToPath(new URL('../helpers/reject-on-sigusr2.mjs', import.meta.url));
let sim: Simulator;
let dir: string;
let child: ChildProcess | undefined;

beforeAll(async () => {
  sim = await startSimulator({ quiet: true, tokenDelayMs: 15 });
  dir = mkdtempSync(join(tmpdir(), 'moongate-internal-error-'));
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the built CLI with the simulated bug loaded; resolves with its URL once ready. */
async function startGateway(name: string): Promise<{ url: string; dbPath: string; output: () => string; exited: Promise<number | null> }> {
  const config = join(dir, `${name}.yaml`);
  const dbPath = join(dir, name, 'moongate.db');
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
  child = spawn(process.execPath, ['--import', bug, cli, 'start', '--config', config, '--host', '127.0.0.1', '--port', '0'], { cwd: dir, env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /listening on (http:\/\/\S+)/.exec(output);
      if (m && output.includes('moongate: ready in')) {
        clearInterval(timer);
        resolve(m[1]!);
      }
    }, 20);
    setTimeout(() => reject(new Error(`gateway did not start:\n${output}`)), 15_000);
  });
  return { url, dbPath, output: () => output, exited };
}

describe('an internal error under load', () => {
  it('writes the record of every request that completed, then exits 1', { timeout: 60_000 }, async () => {
    const { url, dbPath, output, exited } = await startGateway('load');

    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0 });
    const completed: string[] = [];
    let failing = false;
    let n = 0;
    const worker = async (w: number) => {
      while (!failing) {
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
          // Ended or refused once the gateway is failing: not completed, so no record is owed to the check below.
          if (failing) return;
        }
      }
    };
    const workers = Array.from({ length: 16 }, (_, w) => worker(w));
    await new Promise((r) => setTimeout(r, 1_500));
    const inFlightAtError = sim.stats.inFlight;
    child!.kill('SIGUSR2');
    failing = true;
    await Promise.all(workers);
    expect(await exited).toBe(1);
    child = undefined;
    expect(output()).toContain('moongate: internal error (a promise was rejected and nothing handled it): Error: a simulated bug (SIGUSR2)');
    expect(output()).toContain('logs flushed after the internal error');
    expect(inFlightAtError).toBeGreaterThan(0);

    const store = await SqliteStore.open(dbPath);
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
    const { url, dbPath, output, exited } = await startGateway('draining');
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
    child!.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    const errorAt = performance.now();
    child!.kill('SIGUSR2');
    expect(await exited).toBe(1);
    expect(performance.now() - errorAt).toBeLessThan(5_000);
    child = undefined;
    expect(output()).toContain('SIGTERM received');
    expect(output()).toContain('moongate: internal error');
    expect(await reading).toMatch(/shutting down/);

    const store = await SqliteStore.open(dbPath);
    try {
      const record = (await store.logs.list({ limit: 10, omit_bodies: true })).records.find((r) => r.id === response.headers.get('x-moongate-request-id'));
      expect(record?.error_message).toMatch(/shutting down/);
    } finally {
      await store.close();
    }
  });
});
