import { describe, expect, it } from 'vitest';
import { runQuickBench } from '../helpers/quick-bench.js';
import { DIRECT_STEPS, MIDDLE_STEPS } from '../../bench/lib/step-chain.js';

/**
 * Proves the step tracer works end to end (`npm run bench:steps -- --quick`): the probe loaded
 * into the simulator, the baseline proxy and the built gateway stamps every stream, so each one
 * is traced through every step, also with a pause after each stream. No timing is asserted.
 */
describe('npm run bench:steps -- --quick', () => {
  it('traces every stream through the simulator, the baseline proxy and Moongate, step by step', async () => {
    const { stdout, results: r } = await runQuickBench('steps.js', 120_000, ['--pause', '2']);
    expect(stdout).toContain('| middle: request → its upstream request written |');
    expect(stdout).toContain('2 ms of pause after each');
    expect(r.params.pause_ms).toBe(2);

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
