import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator } from '../../src/sim/index.js';

/** `moongate check moonshot` (the built CLI) against hosts that are not Moonshot's balance API. */
const cli = fileURLToPath(new URL('../../dist/bundle/moongate.js', import.meta.url));

let sim: Simulator;
let page: Server;
let pageBase: string;

beforeAll(async () => {
  sim = await startSimulator({ quiet: true });
  // A web server where the base URL points by mistake (a login page, a docs site): 200 to anything.
  page = createServer((req, res) => {
    req.resume();
    const json = req.url!.includes('json');
    res.writeHead(200, { 'content-type': json ? 'application/json' : 'text/html' });
    res.end(json ? '{"object":"list","data":[]}' : '<html>Welcome</html>');
  });
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
  pageBase = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => page.close(resolve));
  await sim.close();
});

function check(base: string, key: string): Promise<{ code: number | null; out: string }> {
  return run(['check', 'moonshot', '--key', key], { MOONSHOT_API_BASE: base });
}

function run(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string }> {
  const env = { PATH: process.env.PATH, ...extraEnv };
  const child = spawn(process.execPath, [cli, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out })));
}

describe('moongate check moonshot', () => {
  it('does not call a key working because some web server answered 200', async () => {
    for (const base of [`${pageBase}/v1`, `${pageBase}/json/v1`]) {
      const { code, out } = await check(base, 'sk-anything-at-all');
      expect(out).not.toMatch(/^OK/m);
      expect(out).not.toContain('The key works');
      expect(code).toBe(1);
      expect(out).toMatch(/^FAIL --key: unreachable — 127\.0\.0\.1:\d+(\/json\/v1)? answered HTTP 200 to the balance check with something that is not Moonshot's balance answer/m);
      expect(out).toContain('check the base URL');
    }
  });

  it('still calls a key that works on the simulator OK', async () => {
    const { code, out } = await check(sim.globalBaseUrl, 'sk-review-check-good');
    expect(out).toMatch(/^OK {2}--key: ok — The key works on/m);
    expect(code).toBe(0);
  });
});

describe('moongate check moonshot with a config that is not valid', () => {
  it('says the configuration is not valid, lists every problem, and exits 2 (a setup problem, not a failing key)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moongate-review-check-'));
    try {
      const file = join(dir, 'moongate.yaml');
      writeFileSync(file, 'server: { port: "abc" }\nloging: {}\n');
      const { code, out } = await run(['check', 'moonshot', '--config', file]);
      expect(out).toBe(
        `moongate check: the configuration is not valid, nothing was checked:\n${file}:1:11: server.port: must be a number (got a string)\n${file}:2:1: loging: unknown key (did you mean "logging"?)\n`,
      );
      expect(code).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
