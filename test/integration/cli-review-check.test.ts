import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator } from '../../src/sim/index.js';

/** `moongate check moonshot` (the built CLI) against hosts that are not Moonshot's balance API. */
const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

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
  const env = { PATH: process.env.PATH, MOONSHOT_API_BASE: base };
  const child = spawn(process.execPath, [cli, 'check', 'moonshot', '--key', key], { env, stdio: ['ignore', 'pipe', 'pipe'] });
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
