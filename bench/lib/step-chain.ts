/**
 * `npm run bench:steps`: a stream's time to first chunk cut into the steps between processes,
 * from the stamps of the client (load-worker.ts), the process in the middle and the simulator
 * (step-probe.ts), all on the machine's monotonic clock. Streams go one at a time, so each stream's stamps are the
 * first of each kind after the previous step's.
 */
import { round, summarize, type Summary } from './stats.js';

export type StepStampKind = 'request' | 'first_write' | 'upstream_sent' | 'upstream_headers';
/** A moment a chat request passed through a process: [what, ms on the shared clock (shared-clock.ts)]. */
export type StepStamp = [StepStampKind, number];

/** Where a step ends: a stamp of the process in the middle or of the simulator, or the client's first chunk. */
type StepEnd = { who: 'middle' | 'sim'; kind: StepStampKind } | 'first_chunk';

export interface Step {
  name: string;
  /** Each step begins where the one before it ended, the first at the client's send; the last ends at its first chunk. */
  endsAt: StepEnd;
}

const stamp = (who: 'middle' | 'sim', kind: StepStampKind): StepEnd => ({ who, kind });

/** Straight to the simulator: no process in the middle. */
export const DIRECT_STEPS: readonly Step[] = [
  { name: 'client sends → the simulator has the request', endsAt: stamp('sim', 'request') },
  { name: 'simulator: request → headers and first event written', endsAt: stamp('sim', 'first_write') },
  { name: 'simulator → the client has the first chunk', endsAt: 'first_chunk' },
];

/** Through a proxy or a gateway. */
export const MIDDLE_STEPS: readonly Step[] = [
  { name: 'client sends → the process in the middle has the request', endsAt: stamp('middle', 'request') },
  { name: 'middle: request → its upstream request written', endsAt: stamp('middle', 'upstream_sent') },
  { name: 'upstream request → the simulator has it', endsAt: stamp('sim', 'request') },
  { name: 'simulator: request → headers and first event written', endsAt: stamp('sim', 'first_write') },
  { name: 'simulator → the middle has the headers', endsAt: stamp('middle', 'upstream_headers') },
  { name: 'middle: headers → the first chunk written to the client', endsAt: stamp('middle', 'first_write') },
  { name: 'middle → the client has the first chunk', endsAt: 'first_chunk' },
];

export interface StepsOfTarget {
  /** Streams whose every stamp was found in order. */
  matched: number;
  /** Streams left out: a stamp missing, or out of order (which a clock problem would show as). */
  unmatched: number;
  /** The client's whole time to first chunk, over the matched streams. */
  ttfc: Summary;
  steps: { name: string; ms: Summary }[];
}

/**
 * Follows each stream of the client through the stamps: each step ends at the first stamp of its
 * kind at or after the previous one, and the last at the stream's own first chunk. `middle` is
 * undefined for the direct target.
 */
export function traceSteps(client: readonly [number, number][], middle: readonly StepStamp[] | undefined, sim: readonly StepStamp[]): StepsOfTarget {
  const steps = middle === undefined ? DIRECT_STEPS : MIDDLE_STEPS;
  const byKind = (stamps: readonly StepStamp[]): Map<string, number[]> => {
    const out = new Map<string, number[]>();
    for (const [kind, at] of stamps) {
      const list = out.get(kind);
      if (list) list.push(at);
      else out.set(kind, [at]);
    }
    for (const list of out.values()) list.sort((a, b) => a - b);
    return out;
  };
  const stamps = { middle: byKind(middle ?? []), sim: byKind(sim) };
  const samples = steps.map(() => [] as number[]);
  const ttfc: number[] = [];
  let unmatched = 0;
  for (const [sent, firstChunk] of client) {
    const times = [sent];
    for (const { endsAt } of steps) {
      if (endsAt === 'first_chunk') break;
      const next = firstAtOrAfter(stamps[endsAt.who].get(endsAt.kind) ?? [], times.at(-1)!);
      if (next === undefined || next > firstChunk) break;
      times.push(next);
    }
    if (times.length !== steps.length) {
      unmatched++;
      continue;
    }
    times.push(firstChunk);
    for (let i = 0; i < steps.length; i++) samples[i]!.push(times[i + 1]! - times[i]!);
    ttfc.push(firstChunk - sent);
  }
  return {
    matched: ttfc.length,
    unmatched,
    ttfc: summarize(ttfc),
    steps: steps.map((step, i) => ({ name: step.name, ms: summarize(samples[i]!) })),
  };
}

/** The sum of the steps' medians: close to the median of the whole when no step varies much. */
export function sumOfMedians(result: StepsOfTarget): number {
  return round(result.steps.reduce((sum, step) => sum + step.ms.p50, 0));
}

function firstAtOrAfter(sorted: readonly number[], t: number): number | undefined {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return sorted[lo];
}
