import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/** `moongate start` and `moongate logs --store` (the built CLI) with a misspelt variable or a store that is not one. */
const cli = fileURLToPath(new URL('../../dist/bundle/moongate.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'moongate-review-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('moongate start with a misspelt MOONGATE_ variable', () => {
  it('warns, naming the variable it meant, instead of ignoring it', async () => {
    const env = { PATH: process.env.PATH, MOONGATE_MASTERKEY: 'a-long-master-key-0001', MOONGATE_STORE: `sqlite:${join(dir, 'm.db')}` };
    const child = spawn(process.execPath, [cli, 'start', '--port', '0', '--host', '127.0.0.1'], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise((resolve) => child.on('close', resolve));
    try {
      const end = Date.now() + 15_000;
      while (!out.includes('ready in') && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      expect(out).toContain('ready in');
      expect(out).toContain('moongate: warning: environment: MOONGATE_MASTERKEY is set, but Moongate does not read it (did you mean MOONGATE_MASTER_KEY?)');
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});

function runToEnd(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [cli, ...args], { env: { PATH: process.env.PATH, ...env }, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const guard = setTimeout(() => child.kill('SIGKILL'), 15_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, out });
    }),
  );
}

describe('a store that is not a Moongate database', () => {
  it('start names the store it could not open ("file is not a database" said nothing of which file)', async () => {
    const notADatabase = join(dir, 'notes.txt');
    writeFileSync(notADatabase, 'these are notes, not a database\n'.repeat(200));
    const { code, out } = await runToEnd(['start', '--port', '0', '--host', '127.0.0.1'], { MOONGATE_STORE: `sqlite:${notADatabase}` });
    expect(code).toBe(1);
    expect(out).toContain(`moongate: nothing was started: file is not a database (store: sqlite:${notADatabase})`);
  });

  it('logs --store names it too (a file that is not a database), or leaves a message that does (a directory)', async () => {
    const notADatabase = join(dir, 'notes.txt');
    let { code, out } = await runToEnd(['logs', '--store', `sqlite:${notADatabase}`]);
    expect(code).toBe(1);
    expect(out).toBe(`moongate: cannot read the store sqlite:${notADatabase}: file is not a database\n`);
    ({ code, out } = await runToEnd(['logs', '--store', `sqlite:${dir}`]));
    expect(code).toBe(1);
    // Node's EISDIR names the path already: left as it is.
    expect(out).toMatch(new RegExp(`^moongate: .*${dir}`));
  });
});
