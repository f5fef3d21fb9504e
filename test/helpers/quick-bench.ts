import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Runs a bench script with `--quick`, as its `npm run bench…` command does after the build: the
 * harness compiled (an up-to-date compile writes nothing), then the script from the compiled
 * harness, with `args` after `--quick`. Returns what it printed and the JSON it wrote (to a
 * scratch file, removed after).
 */
export async function runQuickBench(script: 'run.js' | 'soak.js' | 'steps.js', timeoutMs: number, args: string[] = []): Promise<{ stdout: string; results: any }> {
  expect(existsSync(join(root, 'dist/bundle/moongate.js')), 'dist/ is missing: run `npm run build` first').toBe(true);
  await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'bench/tsconfig.json')], { cwd: root });
  const out = mkdtempSync(join(tmpdir(), 'moongate-quick-bench-'));
  try {
    const file = join(out, 'results.json');
    const { stdout } = await run(process.execPath, [join(root, 'node_modules/.cache/moongate-bench', script), '--quick', ...args, '--out', file], {
      cwd: root,
      timeout: timeoutMs,
      maxBuffer: 10 * 1024 * 1024,
    });
    return { stdout, results: JSON.parse(readFileSync(file, 'utf8')) };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
