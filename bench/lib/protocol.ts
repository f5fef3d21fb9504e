/** Messages between the benchmark orchestrator (run.ts) and its load process (load-worker.ts). */
import type { SoakRoute } from './soak-mix.js';

export type TargetName = 'direct' | 'relay' | 'baseline' | 'moongate' | 'peer';

/** Where one target is reached: the same request shape for all, only origin, path, auth and model differ. */
export interface HttpTarget {
  name: TargetName;
  /** `http://127.0.0.1:PORT` — loopback only. */
  origin: string;
  /** Path of the chat completions route on that origin. */
  path: string;
  headers: Record<string, string>;
  /** The `model` this target is called with. */
  model: string;
}

/** Sequential non-stream requests on one keep-alive connection; latency of each, in ms. */
export interface LatencyJob {
  kind: 'latency';
  target: HttpTarget;
  body: string;
  warmup: number;
  requests: number;
}

/** autocannon at `connections` connections, for `durationS` seconds or `amount` requests. */
export interface ThroughputJob {
  kind: 'throughput';
  target: HttpTarget;
  body: string;
  connections: number;
  durationS?: number;
  amount?: number;
}

/**
 * `concurrency` loops that each run streams back to back until `count` streams were started in
 * total or `durationMs` has passed; every stream must end with `[DONE]` before `deadlineMs`.
 */
export interface StreamsJob {
  kind: 'streams';
  target: HttpTarget;
  body: string;
  concurrency: number;
  count?: number;
  durationMs?: number;
  deadlineMs: number;
  /** Spread the loops' first streams evenly over this many ms (a ramp instead of a SYN storm). */
  rampMs?: number;
  /** Collect time-to-first-chunk samples. */
  ttfc: boolean;
  /** Collect gaps between consecutive token events (content / reasoning deltas). */
  gaps: boolean;
  /** Collect each completed stream's send and first-chunk times on the clock other processes share (steps.ts). */
  stamps?: boolean;
  /** Wait this long after each stream before the loop's next (steps.ts `--pause`: the process in the middle is idle when a stream starts). */
  pauseMs?: number;
}

/**
 * The soak's traffic (lib/soak-mix.ts): `concurrency` loops, each sending the mix's kinds in turn
 * on its own keep-alive connection, until `durationMs` has passed. `startAt` numbers the requests
 * on from an earlier phase, so that every prompt is new.
 */
export interface MixedJob {
  kind: 'mixed';
  target: HttpTarget;
  /** The model each of the mix's other routes is called with (lib/soak-mix.ts, SoakRoute); the target's model for one not given. */
  routes?: Partial<Record<SoakRoute, string>>;
  concurrency: number;
  durationMs: number;
  startAt: number;
  /** Only these kinds of the mix (by name); all of them when absent. */
  only?: string[];
}

export type Job = LatencyJob | ThroughputJob | StreamsJob | MixedJob;

export interface LatencyResult {
  kind: 'latency';
  samples: number[];
  /** The target's own time per measured request, from its `server-timing: gateway;dur=` header (Moongate's), ms. */
  gatewayMs: number[];
  errors: number;
  errorSamples: string[];
}

export interface ThroughputResult {
  kind: 'throughput';
  rps: number;
  ok: number;
  errors: number;
  non2xx: number;
  timeouts: number;
  durationS: number;
  /** autocannon's latency percentiles, ms. */
  p50: number;
  p99: number;
}

export interface StreamsResult {
  kind: 'streams';
  started: number;
  completed: number;
  errors: number;
  errorSamples: string[];
  ttfc: number[];
  gaps: number[];
  /** SSE data events received, [DONE] included. */
  events: number;
  /** Most streams open at once, seen by the client. */
  peakOpen: number;
  wallMs: number;
  /** With `stamps`: [sent, first chunk] per completed stream, in ms on the shared clock (lib/shared-clock.ts). */
  stamps?: [number, number][];
}

/** What each kind of the mix got back: HTTP statuses by code, and what else became of them. */
export interface MixedKindCounts {
  /** Items of this kind started (a tool round trip is one item, two requests; a hang-up may send none). */
  items: number;
  /** By HTTP status of the answer ("200", "400", …); a tool round trip counts its second turn. */
  status: Record<string, number>;
  /** A stream answered 200 that carried an error event. */
  errorEvents: number;
  /** Hung up by the client on purpose (the abort kinds). */
  aborted: number;
  /** Failed at the socket, or a stream that ended without [DONE] or an error event. */
  failed: number;
  samples: string[];
}

export interface MixedResult {
  kind: 'mixed';
  /**
   * HTTP requests whose headers undici wrote to the socket (a tool round trip is two): every one of
   * them reached the target. A client that hangs up while its connection is still being made sends
   * nothing, and is not counted.
   */
  requests: number;
  /** Mix items started: the next phase's `startAt` is the old one plus this. */
  items: number;
  byKind: Record<string, MixedKindCounts>;
}

export type JobResult = LatencyResult | ThroughputResult | StreamsResult | MixedResult;

export interface JobMessage {
  id: number;
  job: Job;
}

export type WorkerReply = { id: number; ok: true; result: JobResult } | { id: number; ok: false; error: string };
