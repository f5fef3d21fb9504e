/**
 * `npm run bench:steps`: where a stream's time to first chunk goes, step by step, through the
 * baseline proxy and through Moongate, in the same run. Loopback only.
 *
 * Starts the simulator, the baseline proxy and Moongate (the benchmark's setup: a virtual key,
 * SQLite logs with full bodies), each with step-probe.js, which stamps when a chat request reaches
 * the process, when it goes upstream, when the upstream's headers come back and when the first
 * bytes of the answer are written. The load worker sends streams one at a time (the benchmark's
 * TTFC stream: 4 tokens 5 ms apart) and stamps when each was sent and when its first chunk came.
 * All stamps are on the clock the processes share, so each stream's time to first chunk splits
 * into the hops between processes and the work inside each (lib/step-chain.ts). Targets take
 * turns, round after round, so that a noisy spell of the machine falls on all of them.
 *
 * `--pause MS` waits that long after each stream before the next, so that a stream never finds the
 * process in the middle still busy with the one before.
 *
 *   node steps.js [--quick] [--streams N] [--rounds R] [--pause MS] [--targets direct,baseline,moongate] [--out FILE]
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { gitInfo } from './lib/checkout.js';
import { SIM_KEY, gatewayKey, streamBody, writeMoongateConfig } from './lib/moongate-setup.js';
import { positiveInt, positiveNumber } from './lib/number-options.js';
import { askProbe, freePort, startChild, startLoadWorker, waitHealthy, type Child } from './lib/processes.js';
import type { HttpTarget, StreamsResult, TargetName } from './lib/protocol.js';
import { benchScript, failer, machineInfo, type MachineInfo } from './lib/script.js';
import { resetSim } from './lib/sim-control.js';
import { round } from './lib/stats.js';
import { MIDDLE_STEPS, sumOfMedians, traceSteps, type StepStamp, type StepsOfTarget } from './lib/step-chain.js';

const fail = failer('steps', 2);
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    streams: { type: 'string' },
    rounds: { type: 'string' },
    pause: { type: 'string' },
    targets: { type: 'string', default: 'direct,baseline,moongate' },
    out: { type: 'string' },
  },
});

const quick = args.quick;
const rounds = positiveInt(args.rounds ?? (quick ? '1' : '3'), '--rounds', fail);
const streamsPerTarget = positiveInt(args.streams ?? (quick ? '30' : '900'), '--streams', fail);
const pauseMs = args.pause === undefined ? 0 : positiveNumber(args.pause, '--pause', fail);
/** Streams in round `round` (from 1): the count spread over the rounds, the first ones taking what does not divide. */
const streamsInRound = (round: number): number => Math.floor(streamsPerTarget / rounds) + (round <= streamsPerTarget % rounds ? 1 : 0);
const WARMUP_STREAMS = quick ? 5 : 30;
const TOKENS = 4;
const TOKEN_DELAY_MS = 5;
const KNOWN: readonly TargetName[] = ['direct', 'baseline', 'moongate'];
const wanted = [...new Set(args.targets.split(',').map((s) => s.trim()))];
for (const name of wanted) if (!KNOWN.includes(name as TargetName)) fail(`--targets: direct, baseline and/or moongate, not ${name}`);

const script = benchScript('steps', import.meta.url, 'npm run bench:steps', fail);
const { here, root, cli, simModule, tmp, started, log } = script;
const probeArgs = ['--import', pathToFileURL(join(here, 'step-probe.js')).href];

/** A process with step-probe.js loaded, and where it writes its stamps. */
interface Probed {
  child: Child;
  file: string;
}

/** What a target's streams were stamped with, over all rounds. */
interface Collected {
  target: HttpTarget;
  middle: Probed | undefined;
  client: [number, number][];
  middleStamps: StepStamp[];
  simStamps: StepStamp[];
  errors: number;
  errorSamples: string[];
}

script.run(main);

async function main(): Promise<void> {
  const loadStart = loadavg();
  const simFile = join(tmp, 'sim.json');
  const simChild = startChild('simulator', [join(here, 'sim-server.js'), simModule, '0'], { MOONGATE_STEP_PROBE_FILE: simFile }, probeArgs);
  const simUrl = (await simChild.waitFor(/simulator listening on (http:\/\/\S+)/, 10_000))[1]!;
  const sim: Probed = { child: simChild, file: simFile };
  const collected: Collected[] = [];
  const collect = (target: HttpTarget, middle: Probed | undefined): void =>
    void collected.push({ target, middle, client: [], middleStamps: [], simStamps: [], errors: 0, errorSamples: [] });

  for (const name of wanted) {
    if (name === 'direct') {
      collect({ name: 'direct', origin: simUrl, path: '/v1/chat/completions', headers: { authorization: `Bearer ${SIM_KEY}` }, model: 'kimi-k2.6' }, undefined);
    } else if (name === 'baseline') {
      const port = await freePort();
      const file = join(tmp, 'baseline.json');
      const child = startChild('baseline proxy', [join(here, 'baseline-proxy.js'), simUrl, String(port)], { MOONGATE_STEP_PROBE_FILE: file }, probeArgs);
      await waitHealthy(`http://127.0.0.1:${port}/health/live`, performance.now(), child);
      collect({ name: 'baseline', origin: `http://127.0.0.1:${port}`, path: '/v1/chat/completions', headers: { authorization: `Bearer ${SIM_KEY}` }, model: 'kimi-k2.6' }, { child, file });
    } else {
      const config = writeMoongateConfig(join(tmp, 'moongate'), simUrl, await freePort());
      const file = join(tmp, 'moongate.json');
      const child = startChild('moongate', [cli, 'start', '--config', config.file], { MOONGATE_STEP_PROBE_FILE: file }, probeArgs);
      await waitHealthy(`${config.url}/health/live`, performance.now(), child);
      const auth = await gatewayKey(config.url, `steps-${Date.now().toString(36)}`);
      collect({ name: 'moongate', origin: config.url, path: '/v1/chat/completions', headers: { authorization: `Bearer ${auth.key}` }, model: 'kimi' }, { child, file });
    }
  }

  const worker = startLoadWorker(join(here, 'load-worker.js'));
  const run = (c: Collected, count: number, stamps: boolean): Promise<StreamsResult> =>
    worker.run<StreamsResult>({
      kind: 'streams',
      target: c.target,
      body: streamBody(c.target.model, TOKENS, TOKEN_DELAY_MS, false),
      concurrency: 1,
      count,
      // A stream takes ~25 ms (4 tokens 5 ms apart); a slow machine gets ten times that.
      deadlineMs: 30_000 + count * (250 + pauseMs),
      ttfc: true,
      gaps: false,
      stamps,
      pauseMs,
    });
  for (let round = 1; round <= rounds; round++) {
    for (const c of collected) {
      await resetSim(simUrl);
      await run(c, WARMUP_STREAMS, false);
      // What the warm-up stamped is dropped.
      await takeStamps(sim);
      if (c.middle) await takeStamps(c.middle);
      const r = await run(c, streamsInRound(round), true);
      c.client.push(...(r.stamps ?? []));
      c.simStamps.push(...(await takeStamps(sim)));
      if (c.middle) c.middleStamps.push(...(await takeStamps(c.middle)));
      c.errors += r.errors;
      c.errorSamples.push(...r.errorSamples.slice(0, 3 - c.errorSamples.length));
      log(`round ${round}/${rounds}, ${c.target.name}: ${r.completed} streams`);
    }
  }
  await worker.close();
  for (const c of collected) await c.middle?.child.stop();
  await sim.child.stop();

  const targets = Object.fromEntries(
    collected.map((c) => [
      c.target.name,
      {
        ...traceSteps(c.client, c.middle ? c.middleStamps : undefined, c.simStamps),
        streams: c.client.length,
        stamps_by_kind: { ...(c.middle ? { middle: countByKind(c.middleStamps) } : {}), sim: countByKind(c.simStamps) },
        errors: c.errors,
        error_samples: c.errorSamples,
      } satisfies TargetSteps,
    ]),
  );
  const results: StepsResults = {
    version: 1,
    date: new Date().toISOString(),
    quick,
    duration_s: round((performance.now() - started) / 1000, 1),
    params: { streams_per_target: streamsPerTarget, rounds, warmup_streams: WARMUP_STREAMS, tokens: TOKENS, token_delay_ms: TOKEN_DELAY_MS, pause_ms: pauseMs },
    machine: machineInfo(loadStart),
    git: gitInfo(root),
    targets,
  };
  const out = script.saveResults(results, 'steps-', quick, args.out);
  console.log(stepsReport(results));
  console.log(`\nJSON: ${out}`);
}

type TargetSteps = StepsOfTarget & {
  /** Streams that completed, each with its send and first chunk stamped. */
  streams: number;
  /** How many stamps of each kind each process wrote during the measured streams: one per stream each, if the probe saw them all once. */
  stamps_by_kind: { middle?: Record<string, number>; sim: Record<string, number> };
  errors: number;
  error_samples: string[];
};

function countByKind(stamps: readonly StepStamp[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [kind] of stamps) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

interface StepsResults {
  version: 1;
  date: string;
  quick: boolean;
  duration_s: number;
  params: { streams_per_target: number; rounds: number; warmup_streams: number; tokens: number; token_delay_ms: number; pause_ms: number };
  machine: MachineInfo;
  git: ReturnType<typeof gitInfo>;
  targets: Record<string, TargetSteps>;
}

/** Signals the probe and waits for the stamps it writes (and then forgets). */
function takeStamps(p: Probed, timeoutMs = 10_000): Promise<StepStamp[]> {
  rmSync(p.file, { force: true });
  const written = (): StepStamp[] | undefined => (existsSync(p.file) ? (JSON.parse(readFileSync(p.file, 'utf8')) as StepStamp[]) : undefined);
  return askProbe(p.child, written, 'stamps (is step-probe.js loaded?)', timeoutMs);
}

function stepsReport(r: StepsResults): string {
  const cell = (t: TargetSteps | undefined, pick: (t: TargetSteps) => { p50: number; p90: number }): string => {
    if (!t || t.matched === 0) return '–';
    const s = pick(t);
    return `${s.p50.toFixed(3)} (${s.p90.toFixed(3)})`;
  };
  const middle = (['baseline', 'moongate'] as const).filter((name) => r.targets[name]);
  const lines = [
    `Streams one at a time, ${r.params.tokens} tokens ${r.params.token_delay_ms} ms apart, ${r.params.streams_per_target} per target in ${r.params.rounds} round(s)${r.params.pause_ms > 0 ? `, ${r.params.pause_ms} ms of pause after each` : ''}. Medians (p90) in ms.`,
    `${r.machine.cpus} × ${r.machine.cpu_model}, Node ${r.machine.node}; load average ${r.machine.loadavg_start.map((x) => x.toFixed(2)).join(' ')} → ${r.machine.loadavg_end.map((x) => x.toFixed(2)).join(' ')}`,
    '',
  ];
  if (middle.length > 0) {
    const diff = middle.length === 2 ? ' | Moongate − baseline (p50) |' : ' |';
    lines.push(`| step | ${middle.join(' | ')}${diff}`, `|---|${middle.map(() => '---|').join('')}${middle.length === 2 ? '---|' : ''}`);
    const row = (name: string, pick: (t: TargetSteps) => { p50: number; p90: number }): void => {
      const cells = middle.map((m) => cell(r.targets[m], pick));
      const [b, m] = [r.targets.baseline, r.targets.moongate];
      const delta = middle.length === 2 && b && m && b.matched > 0 && m.matched > 0 ? ` ${signed(pick(m).p50 - pick(b).p50)} |` : middle.length === 2 ? ' – |' : '';
      lines.push(`| ${name} | ${cells.join(' | ')} |${delta}`);
    };
    MIDDLE_STEPS.forEach((step, i) => row(step.name, (t) => t.steps[i]!.ms));
    row('**the client\'s time to first chunk**', (t) => t.ttfc);
    lines.push(`| the steps' medians added up | ${middle.map((m) => (r.targets[m]!.matched > 0 ? sumOfMedians(r.targets[m]!).toFixed(3) : '–')).join(' | ')} |${middle.length === 2 ? ' |' : ''}`);
    lines.push(`| streams traced / errors | ${middle.map((m) => `${r.targets[m]!.matched} of ${r.targets[m]!.matched + r.targets[m]!.unmatched} / ${r.targets[m]!.errors}`).join(' | ')} |${middle.length === 2 ? ' |' : ''}`);
  }
  const direct = r.targets.direct;
  if (direct) {
    lines.push('', `Straight to the simulator (${direct.matched} of ${direct.matched + direct.unmatched} streams traced, ${direct.errors} errors): time to first chunk ${cell(direct, (t) => t.ttfc)}, of which ${direct.steps.map((s) => `${s.name} ${s.ms.p50.toFixed(3)}`).join('; ')}.`);
  }
  return lines.join('\n');
}

function signed(ms: number): string {
  return `${ms >= 0 ? '+' : '−'}${Math.abs(ms).toFixed(3)}`;
}
