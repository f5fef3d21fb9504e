import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `moongate keys` and `moongate logs` (the built CLI) pointed at something that is not a working
 * Moongate gateway: a closed port, a web page, JSON of another shape. Each must fail (exit 1) with a
 * line that says what answered and what to check, never a JavaScript error or a false success.
 */
const cli = fileURLToPath(new URL('../../dist/bundle/moongate.js', import.meta.url));

let server: Server;
let base: string;
let closedPort: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const kind = req.url!.split('/')[1];
    if (kind === 'hang') return; // Accepts the request and never answers: a wedged gateway.
    if (kind === 'html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>a web page</html>');
    } else if (kind === 'null') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('null');
    } else {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"hello":"world"}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // A port that was free a moment ago: nothing listens there.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise((resolve) => probe.close(resolve));
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

function run(args: string[], signalAfterMs?: number): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [cli, ...args], { env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  if (signalAfterMs !== undefined) setTimeout(() => child.kill('SIGINT'), signalAfterMs);
  // Never left behind: a CLI that ignores its signal is killed when the test gives up on it.
  const guard = setTimeout(() => child.kill('SIGKILL'), 15_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, out });
    }),
  );
}

const noJsError = (out: string) => expect(out).not.toMatch(/Cannot read properties|is not valid JSON|Unexpected token|undefined/);

describe('moongate keys against an answer that is not Moongate', () => {
  it('keys revoke does not report a revocation that did not happen', async () => {
    const { code, out } = await run(['keys', 'revoke', 'key_abc', '--url', `${base}/json`]);
    expect(out).not.toContain('Revoked');
    expect(code).toBe(1);
    expect(out).toContain(`the gateway at ${base}/json answered HTTP 200 with JSON that is not a Moongate answer`);
    noJsError(out);
  });

  it('keys list says what answered instead of a TypeError', async () => {
    for (const kind of ['json', 'null']) {
      const { code, out } = await run(['keys', 'list', '--url', `${base}/${kind}`]);
      expect(code).toBe(1);
      expect(out).toContain('is not a Moongate answer');
      expect(out).toContain('Is --url pointing at a Moongate gateway?');
      noJsError(out);
    }
  });

  it('keys create does not print a key it was not given', async () => {
    const { code, out } = await run(['keys', 'create', '--name', 'x', '--url', `${base}/json`]);
    expect(code).toBe(1);
    expect(out).not.toContain('Created key');
    expect(out).toContain('is not a Moongate answer');
  });
});

describe('moongate logs against an answer that is not Moongate', () => {
  it('says the gateway cannot be reached, and what to do', async () => {
    const { code, out } = await run(['logs', '--url', closedPort]);
    expect(code).toBe(1);
    expect(out).toContain(`could not reach the gateway at ${closedPort} (ECONNREFUSED). Is it running? Use --url to point at it.`);
  });

  it('names a web page as what answered, not a JSON parse error', async () => {
    const { code, out } = await run(['logs', '--url', `${base}/html`]);
    expect(code).toBe(1);
    expect(out).toContain('answered HTTP 200 with: <html>a web page</html>');
    noJsError(out);
  });

  it('does not pass JSON of another shape off as "no logs"', async () => {
    for (const kind of ['json', 'null']) {
      const { code, out } = await run(['logs', '--url', `${base}/${kind}`]);
      expect(code).toBe(1);
      expect(out).toContain('is not a Moongate answer');
      noJsError(out);
    }
  });
});

describe('moongate logs against a gateway that never answers', () => {
  it('stops at Ctrl-C (it waited for the pending request, up to 5 minutes)', async () => {
    for (const follow of [[], ['--follow']]) {
      const started = Date.now();
      const { code, out } = await run(['logs', ...follow, '--url', `${base}/hang`], 1500);
      expect(Date.now() - started).toBeLessThan(6000);
      expect(code).toBe(0);
      expect(out).toBe('');
    }
  });
});
