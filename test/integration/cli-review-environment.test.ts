import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/** `moongate start` (the built CLI) without a config file, with a Moongate variable misspelt. */
const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
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
