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
      timeout: 120_000,
      maxBuffer: 10 * 1024 * 1024,
    });
    expect(stdout).toContain('| middle: request → its upstream request written |');

    const r = JSON.parse(readFileSync(file, 'utf8'));
    expect(Object.keys(r.targets).sort()).toEqual(['baseline', 'direct', 'moongate']);
    const oncePerStream = (n: number) => ({ request: n, first_write: n });
    for (const [name, t] of Object.entries<Traced>(r.targets)) {
      expect(t.errors, t.error_samples.join(' | ')).toBe(0);
      expect(t.streams, name).toBe(r.params.streams_per_target);
      // Each process stamped each stream once, at every point it passes: no more (other requests,
      // other responses stamped), no fewer.
      expect(t.stamps_by_kind.sim, name).toEqual(oncePerStream(t.streams));
      if (name !== 'direct') expect(t.stamps_by_kind.middle, name).toEqual({ ...oncePerStream(t.streams), upstream_sent: t.streams, upstream_headers: t.streams });
      // And the stamps chain in order for every stream.
      expect(t.unmatched, name).toBe(0);
      expect(t.matched, name).toBe(t.streams);
      expect(t.steps.map((s) => s.name)).toEqual((name === 'direct' ? DIRECT_STEPS : MIDDLE_STEPS).map((s) => s.name));
    }
  }, 150_000);
});

interface Traced {
  streams: number;
  matched: number;
  unmatched: number;
  errors: number;
  error_samples: string[];
  stamps_by_kind: { middle?: Record<string, number>; sim: Record<string, number> };
  steps: { name: string }[];
}
