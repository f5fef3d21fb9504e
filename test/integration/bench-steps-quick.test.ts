import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { DIRECT_STEPS, MIDDLE_STEPS } from '../../bench/lib/step-chain.js';

/**
 * Proves the step tracer works end to end (`npm run bench:steps -- --quick`): the probe loaded
 * into the simulator, the baseline proxy and the built gateway stamps every stream, so each one
 * is traced through every step. No timing is asserted.
 */
const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'moongate-steps-test-'));

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('npm run bench:steps -- --quick', () => {
  it('traces every stream through the simulator, the baseline proxy and Moongate, step by step', async () => {
    expect(existsSync(join(root, 'dist/bundle/moongate.js')), 'dist/ is missing: run `npm run build` first').toBe(true);
    await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'bench/tsconfig.json')], { cwd: root });
    const file = join(out, 'steps.json');
    const { stdout } = await run(process.execPath, [join(root, 'node_modules/.cache/moongate-bench/steps.js'), '--quick', '--out', file], {
      cwd: root,
      timeout: 60_000,
      maxBuffer: 10 * 1024 * 1024,
    });
    expect(stdout).toContain('| middle: request → its upstream request written |');

    const r = JSON.parse(readFileSync(file, 'utf8'));
    expect(Object.keys(r.targets).sort()).toEqual(['baseline', 'direct', 'moongate']);
    for (const [name, t] of Object.entries<{ matched: number; unmatched: number; errors: number; error_samples: string[]; steps: { name: string; ms: { n: number; p50: number } }[] }>(r.targets)) {
      expect(t.errors, t.error_samples.join(' | ')).toBe(0);
      expect(t.unmatched, name).toBe(0);
      expect(t.matched, name).toBe(r.params.streams_per_target);
      expect(t.steps.map((s) => s.name)).toEqual((name === 'direct' ? DIRECT_STEPS : MIDDLE_STEPS).map((s) => s.name));
      for (const step of t.steps) {
        expect(step.ms.n).toBe(t.matched);
        expect(step.ms.p50, `${name}: ${step.name}`).toBeGreaterThanOrEqual(0);
      }
    }
  });
});
