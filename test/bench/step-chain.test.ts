import { describe, expect, it } from 'vitest';
import { DIRECT_STEPS, MIDDLE_STEPS, sumOfMedians, traceSteps, type StepStamp } from '../../bench/lib/step-chain.js';

/** One stream through a process in the middle, its stamps `gaps` ms apart from `t0`. */
function throughMiddle(t0: number, gaps: number[]): { client: [number, number]; middle: StepStamp[]; sim: StepStamp[] } {
  const at = gaps.reduce<number[]>((times, gap) => [...times, times.at(-1)! + gap], [t0]);
  return {
    client: [at[0]!, at[7]!],
    middle: [
      ['request', at[1]!],
      ['upstream_sent', at[2]!],
      ['upstream_headers', at[5]!],
      ['first_write', at[6]!],
    ],
    sim: [
      ['request', at[3]!],
      ['first_write', at[4]!],
    ],
  };
}

describe('traceSteps', () => {
  it('splits each stream through the middle into its seven steps', () => {
    const a = throughMiddle(1_000, [0.5, 0.3, 0.2, 0.4, 0.25, 0.1, 0.3]);
    const b = throughMiddle(1_050, [0.7, 0.5, 0.2, 0.4, 0.25, 0.3, 0.3]);
    // Stamps arrive per process, not per stream, and not necessarily sorted.
    const r = traceSteps([a.client, b.client], [...b.middle, ...a.middle], [...a.sim, ...b.sim]);
    expect(r.matched).toBe(2);
    expect(r.unmatched).toBe(0);
    expect(r.steps.map((s) => s.name)).toEqual(MIDDLE_STEPS.map((s) => s.name));
    expect(r.steps[0]!.ms.p50).toBeCloseTo(0.5, 9);
    expect(r.steps[0]!.ms.max).toBeCloseTo(0.7, 9);
    expect(r.steps[5]!.ms.max).toBeCloseTo(0.3, 9);
    expect(r.ttfc.p50).toBeCloseTo(2.05, 9);
    expect(r.ttfc.max).toBeCloseTo(2.65, 9);
    expect(sumOfMedians(r)).toBeCloseTo(2.05, 3);
  });

  it('splits a direct stream into the simulator and the two hops', () => {
    const r = traceSteps(
      [[10, 11]],
      undefined,
      [
        ['request', 10.25],
        ['first_write', 10.75],
      ],
    );
    expect(r.steps.map((s) => [s.name, s.ms.p50])).toEqual(DIRECT_STEPS.map((s, i) => [s.name, [0.25, 0.5, 0.25][i]]));
    expect(r.matched).toBe(1);
  });

  it('leaves out a stream whose stamps are missing or out of order, and never borrows the next stream\'s', () => {
    const ok = throughMiddle(0, [0.5, 0.3, 0.2, 0.4, 0.25, 0.1, 0.3]);
    // Its upstream request was never stamped: the next stream's would come after its first chunk.
    const missing = throughMiddle(100, [0.5, 0.3, 0.2, 0.4, 0.25, 0.1, 0.3]);
    const next = throughMiddle(200, [0.5, 0.3, 0.2, 0.4, 0.25, 0.1, 0.3]);
    // The simulator answered before the middle sent the request: a clock that cannot be trusted.
    const skewed = throughMiddle(300, [0.5, 0.3, 0.2, 0.4, 0.25, 0.1, 0.3]);
    skewed.sim = skewed.sim.map(([kind, t]) => [kind, t - 1]);
    const r = traceSteps(
      [ok.client, missing.client, next.client, skewed.client],
      [...ok.middle, ...missing.middle.filter(([kind]) => kind !== 'upstream_sent'), ...next.middle, ...skewed.middle],
      [...ok.sim, ...missing.sim, ...next.sim, ...skewed.sim],
    );
    expect(r.matched).toBe(2);
    expect(r.unmatched).toBe(2);
    expect(r.steps[1]!.ms.max).toBeCloseTo(0.3, 9);
  });
});
