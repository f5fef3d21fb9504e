/**
 * `npm run bench`: Moongate against direct-to-simulator, a TCP relay (the hop alone) and a bare Node
 * pass-through proxy (and a peer gateway), every scenario in one run, loopback only. Prints a
 * markdown table and writes JSON to bench/results/. See docs/performance.md.
 *
 *   node run.js [--quick] [--peer URL --peer-model M --peer-key K --peer-header 'name: value'…
 *               --peer-pid PID --sim-port N]
 *               [--only s1,s2] [--targets t1,t2] [--profile DIR] [--out FILE]
 *               [--node-flags='--flag=value …']
 *
 * `--node-flags` starts Moongate's processes (and only those) with these node flags, to measure
 * a V8 or Node setting against the same run's baseline without a build of its own.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { assertLoopback, cpuSeconds, freePort, httpRequest, killAll, nodeFlagsOf, rssMb, sampleRss, startChild, startLoadWorker, waitHealthy } from './lib/processes.js';
import type { Child, LoadWorker } from './lib/processes.js';
import type { HttpTarget, LatencyResult, StreamsResult, TargetName, ThroughputResult } from './lib/protocol.js';
import { SCENARIOS, evaluate, toMarkdown } from './lib/results.js';
import type { AddedSummary, BurstStats, Num, OneConnection, Results, ScenarioName, StartupStats, ThroughputStats } from './lib/results.js';
import { addedRatio, median, minus, ratio, round, summarize } from './lib/stats.js';
import { gitInfo } from './lib/checkout.js';
import { benchScript, failer, machineInfo } from './lib/script.js';
import { waitForCount } from './lib/count-log-records.js';
import { resetSim, simStats } from './lib/sim-control.js';
import { MASTER_KEY, SIM_KEY, conversationBody, gatewayKey, nonStreamBody, streamBody, writeMoongateConfig } from './lib/moongate-setup.js';

// ---------------------------------------------------------------------------------------------
// Options and sizes

const fail = failer('bench', 1);
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    peer: { type: 'string' },
    'peer-model': { type: 'string', default: 'kimi-k2.6' },
    'peer-key': { type: 'string' },
    'peer-header': { type: 'string', multiple: true },
    'peer-pid': { type: 'string' },
    'sim-port': { type: 'string', default: '0' },
    only: { type: 'string' },
    targets: { type: 'string' },
    profile: { type: 'string' },
    out: { type: 'string' },
    'node-flags': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]!.replace(/^\/\*\*?/, '').replace(/^ \* ?/gm, ''));
  process.exit(0);
}

const quick = args.quick;
/** Sizes: the full run stays under ~3 minutes, --quick under ~15 seconds. */
const P = quick
  ? {
      startup: { spawns: 1, idleMs: 300, settleMs: 0 },
      latency: { rounds: 1, warmup: 10, requests: 60 },
      latencyLarge: { rounds: 1, warmup: 5, requests: 20, bodyKb: 100 },
      ttfc: { rounds: 1, concurrency: 4, count: 24, tokens: 3, tokenDelayMs: 5 },
      interchunk: { rounds: 1, concurrency: 10, durationMs: 500, tokens: 8, tokenDelayMs: 10 },
      throughput: { rounds: 1, connections: 50, warmupAmount: 0, durationS: undefined as number | undefined, amount: 300 as number | undefined },
      logs: { requests: 200, connections: 20, waitMs: 3_000 },
      burst: { streams: 100, rampMs: 50, tokens: 5, tokenDelayMs: 20, deadlineMs: 15_000 },
      budgetMs: 90_000,
    }
  : {
      startup: { spawns: 3, idleMs: 1_000, settleMs: 10_000 },
      latency: { rounds: 6, warmup: 50, requests: 350 },
      latencyLarge: { rounds: 3, warmup: 20, requests: 150, bodyKb: 100 },
      ttfc: { rounds: 3, concurrency: 8, count: 240, tokens: 4, tokenDelayMs: 5 },
      interchunk: { rounds: 2, concurrency: 20, durationMs: 2_000, tokens: 20, tokenDelayMs: 10 },
      throughput: { rounds: 2, connections: 50, warmupAmount: 2_000, durationS: 4 as number | undefined, amount: undefined as number | undefined },
      logs: { requests: 5_000, connections: 50, waitMs: 10_000 },
      burst: { streams: 2_000, rampMs: 1_500, tokens: 6, tokenDelayMs: 500, deadlineMs: 50_000 },
      budgetMs: 300_000,
    };

if (args.peer) {
  try {
    assertLoopback(args.peer, '--peer');
  } catch (err) {
    fail((err as Error).message);
  }
}

const only = args.only ? new Set(args.only.split(',').map((s) => s.trim())) : undefined;
for (const name of only ?? []) if (!SCENARIOS.includes(name as ScenarioName)) fail(`--only: unknown scenario ${name} (scenarios: ${SCENARIOS.join(', ')})`);
const wanted = (name: ScenarioName): boolean => !only || only.has(name);
const moongateNodeFlags = args['node-flags']?.split(/\s+/).filter((flag) => flag !== '') ?? [];
for (const flag of moongateNodeFlags) if (!flag.startsWith('-')) fail(`--node-flags: ${flag} is not a node flag (write them as --node-flags='--flag=value --other')`);

const CHAT_PATH = '/v1/chat/completions';

const script = benchScript('bench', import.meta.url, 'npm run bench', fail);
const { here, root, cli, simModule, tmp, started, log } = script;

const runId = `bench-${Date.now().toString(36)}`;
const watchdog = setTimeout(() => {
  console.error(`bench: over the time budget of ${P.budgetMs / 1000} s, stopping.`);
  killAll();
  process.exit(2);
}, P.budgetMs);
watchdog.unref();

// ---------------------------------------------------------------------------------------------
// Main

let sim: Child | undefined;
let relay: Child | undefined;
let baseline: Child | undefined;
let moongate: Child | undefined;
let worker: LoadWorker | undefined;

script.run(main);

async function main(): Promise<void> {
  const loadStart = loadavg();

  // The simulator, pinned to --sim-port when a peer needs to know where it is.
  const simPort = Number(args['sim-port']);
  sim = startChild('simulator', [join(here, 'sim-server.js'), simModule, String(simPort)]);
  const simUrl = (await sim.waitFor(/simulator listening on (http:\/\/\S+)/, 10_000))[1]!;
  log(`simulator on ${simUrl}`);

  relay = startChild('tcp relay', [join(here, 'tcp-relay.js'), simUrl, String(await freePort())]);
  const relayUrl = (await relay.waitFor(/tcp relay listening on (http:\/\/\S+)/, 10_000))[1]!;
  const baselinePort = await freePort();
  const profileArgs = (name: string): string[] => (args.profile ? ['--cpu-prof', '--cpu-prof-dir', join(resolve(args.profile), name)] : []);
  baseline = startChild('baseline proxy', [join(here, 'baseline-proxy.js'), simUrl, String(baselinePort)], {}, profileArgs('baseline'));
  const baselineUrl = `http://127.0.0.1:${baselinePort}`;

  const moongateConfig = writeMoongateConfig(join(tmp, 'main'), simUrl, await freePort());
  moongate = startChild('moongate', [cli, 'start', '--config', moongateConfig.file], {}, [...profileArgs('moongate'), ...moongateNodeFlags]);
  await waitHealthy(`${baselineUrl}/health/live`, performance.now(), baseline);
  await waitHealthy(`${moongateConfig.url}/health/live`, performance.now(), moongate);
  log(`baseline on ${baselineUrl}, moongate on ${moongateConfig.url}${args.profile ? ` (profiling both into ${args.profile}/{moongate,baseline})` : ''}`);

  const auth = await gatewayKey(moongateConfig.url, runId);
  log(`moongate is called with a ${auth.kind}`);

  const all: Record<TargetName, HttpTarget | undefined> = {
    direct: { name: 'direct', origin: simUrl, path: CHAT_PATH, headers: { authorization: `Bearer ${SIM_KEY}` }, model: 'kimi-k2.6' },
    relay: { name: 'relay', origin: relayUrl, path: CHAT_PATH, headers: { authorization: `Bearer ${SIM_KEY}` }, model: 'kimi-k2.6' },
    baseline: { name: 'baseline', origin: baselineUrl, path: CHAT_PATH, headers: { authorization: `Bearer ${SIM_KEY}` }, model: 'kimi-k2.6' },
    moongate: { name: 'moongate', origin: moongateConfig.url, path: CHAT_PATH, headers: { authorization: `Bearer ${auth.key}` }, model: 'kimi' },
    peer: args.peer ? peerTarget(args.peer) : undefined,
  };
  const filter = args.targets ? new Set(args.targets.split(',').map((s) => s.trim())) : undefined;
  const targets = (Object.values(all).filter((t) => t !== undefined) as HttpTarget[]).filter((t) => !filter || filter.has(t.name));
  if (targets.length === 0) fail('no targets left after --targets');
  const pids: Partial<Record<TargetName, number | undefined>> = {
    relay: relay.proc.pid,
    baseline: baseline.proc.pid,
    moongate: moongate.proc.pid,
    peer: args['peer-pid'] ? Number(args['peer-pid']) : undefined,
  };

  worker = startLoadWorker(join(here, 'load-worker.js'));
  const peerCannotStream = await sanityCheck(worker, targets);
  log(`targets answer: ${targets.map((t) => t.name).join(', ')}`);
  // A peer that fails streams is still measured on JSON requests; its stream columns stay empty.
  const streamTargets = peerCannotStream ? targets.filter((t) => t.name !== 'peer') : targets;
  if (peerCannotStream) log(`peer: streams left out, its test stream failed: ${peerCannotStream}`);

  const results: Results = {
    version: 1,
    date: new Date().toISOString(),
    quick,
    duration_s: 0,
    machine: machineInfo(loadStart),
    targets: targets.map((t) => t.name),
    peer: all.peer ? { url: args.peer!, model: all.peer.model, header_names: Object.keys(all.peer.headers) } : null,
    moongate_config: moongateConfig.yaml,
    moongate_auth: auth.kind,
    moongate_cli: relative(root, cli),
    moongate_node_flags: nodeFlagsOf(moongate.proc.pid, cli),
    git: gitInfo(root),
    scenarios: {
      idle_startup: { title: 'idle RSS and start-up', params: P.startup, targets: {}, ratio_idle_rss: null, ratio_ready: null },
      latency_1conn: { title: 'added latency, 1 connection, non-stream', params: P.latency, targets: {}, ratio_added_p50: null, ratio_added_p99: null, moongate_own_ms: null },
      latency_1conn_large: { title: 'added latency, 1 connection, non-stream, long conversation', params: P.latencyLarge, targets: {}, ratio_added_p50: null, ratio_added_p99: null, moongate_own_ms: null },
      stream_ttfc: { title: 'time to first chunk, streams', params: P.ttfc, targets: {}, ratio_added_p50: null },
      stream_interchunk: { title: 'inter-chunk delay, paced streams', params: P.interchunk, targets: {}, ratio_added_p99: null },
      throughput_50conn: { title: 'throughput, 50 connections, non-stream', params: P.throughput, targets: {}, ratio_rps: null },
      log_records: { title: 'log records written = requests made', params: P.logs, available: false, note: 'not run', requests: null, records: null, lost: null, flush_ms: null },
      streams_2000: { title: `${P.burst.streams} concurrent paced streams`, params: P.burst, targets: {}, ratio_rss: null },
    },
    checks: [],
    notes: peerCannotStream ? [`The peer is left out of the stream scenarios: its test stream failed (${peerCannotStream}).`] : [],
  };
  const sc = results.scenarios;
  for (const name of SCENARIOS) if (!wanted(name)) sc[name].skipped = true;
  const ctx: Ctx = { worker, targets, simUrl, pids, log };
  const streamCtx: Ctx = { ...ctx, targets: streamTargets };

  if (wanted('idle_startup')) {
    log('idle RSS and start-up');
    sc.idle_startup.targets = await startupScenario(simUrl, targets, pids);
    const t = sc.idle_startup.targets;
    sc.idle_startup.ratio_idle_rss = ratio(t.moongate?.idle_rss_mb, t.baseline?.idle_rss_mb);
    sc.idle_startup.ratio_ready = ratio(t.moongate?.ready_ms, t.baseline?.ready_ms);
  }
  if (wanted('latency_1conn')) {
    log('latency at 1 connection');
    Object.assign(sc.latency_1conn, await latencyAtOneConnection(ctx, P.latency, (model) => nonStreamBody(model)));
  }
  if (wanted('latency_1conn_large')) {
    log(`latency at 1 connection, ${P.latencyLarge.bodyKb} KB conversation`);
    Object.assign(sc.latency_1conn_large, await latencyAtOneConnection(ctx, P.latencyLarge, (model) => conversationBody(model, P.latencyLarge.bodyKb)));
  }
  if (wanted('stream_ttfc')) {
    log('time to first chunk');
    const samples = await rounds(streamCtx, P.ttfc.rounds, async (t) => {
      const r = await worker!.run<StreamsResult>({
        kind: 'streams',
        target: t,
        body: streamBody(t.model, P.ttfc.tokens, P.ttfc.tokenDelayMs, false),
        concurrency: P.ttfc.concurrency,
        count: P.ttfc.count,
        deadlineMs: 60_000,
        ttfc: true,
        gaps: false,
      });
      return { samples: r.ttfc, errors: r.errors, errorSamples: r.errorSamples };
    });
    sc.stream_ttfc.targets = withAdded(samples);
    sc.stream_ttfc.ratio_added_p50 = addedRatio(sc.stream_ttfc.targets.moongate?.added_p50, sc.stream_ttfc.targets.baseline?.added_p50);
  }
  if (wanted('stream_interchunk')) {
    log('inter-chunk delay on paced streams');
    const counts: Partial<Record<TargetName, { streams: number; events: number; cpu: CpuRuns }>> = {};
    const samples = await rounds(streamCtx, P.interchunk.rounds, async (t) => {
      const meter = cpuMeter(t.name, pids);
      const r = await worker!.run<StreamsResult>({
        kind: 'streams',
        target: t,
        body: streamBody(t.model, P.interchunk.tokens, P.interchunk.tokenDelayMs, true),
        concurrency: P.interchunk.concurrency,
        durationMs: P.interchunk.durationMs,
        deadlineMs: P.interchunk.durationMs + 30_000,
        ttfc: false,
        gaps: true,
      });
      const c = (counts[t.name] ??= { streams: 0, events: 0, cpu: { middle: [], sim: [] } });
      meter.stop(c.cpu);
      c.streams += r.completed;
      c.events += r.events;
      return { samples: r.gaps, errors: r.errors, errorSamples: r.errorSamples };
    });
    const added = withAdded(samples);
    for (const [name, v] of Object.entries(added) as [TargetName, AddedSummary][]) {
      const c = counts[name]!;
      sc.stream_interchunk.targets[name] = {
        ...v,
        streams: c.streams,
        events: c.events,
        cpu_us_per_event: perRequest(c.cpu.middle, c.events),
        sim_cpu_us_per_event: perRequest(c.cpu.sim, c.events),
      };
    }
    sc.stream_interchunk.ratio_added_p99 = addedRatio(added.moongate?.added_p99, added.baseline?.added_p99);
  }
  if (wanted('throughput_50conn')) {
    log('throughput at 50 connections');
    const per: Partial<Record<TargetName, ThroughputResult[]>> = {};
    const cpu: Partial<Record<TargetName, CpuRuns>> = {};
    for (const t of targets) {
      if (P.throughput.warmupAmount > 0) {
        await worker.run({ kind: 'throughput', target: t, body: nonStreamBody(t.model), connections: P.throughput.connections, amount: P.throughput.warmupAmount });
      }
    }
    await rounds(ctx, P.throughput.rounds, async (t) => {
      const meter = cpuMeter(t.name, pids);
      const r = await worker!.run<ThroughputResult>({
        kind: 'throughput',
        target: t,
        body: nonStreamBody(t.model),
        connections: P.throughput.connections,
        durationS: P.throughput.durationS,
        amount: P.throughput.amount,
      });
      meter.stop((cpu[t.name] ??= { middle: [], sim: [] }));
      (per[t.name] ??= []).push(r);
      return { samples: [], errors: 0, errorSamples: [] };
    });
    for (const [name, list] of Object.entries(per) as [TargetName, ThroughputResult[]][]) {
      const sum = (f: (r: ThroughputResult) => number): number => list.reduce((a, r) => a + f(r), 0);
      const stats: ThroughputStats = {
        rps: round(sum((r) => r.ok) / sum((r) => r.durationS), 0),
        ok: sum((r) => r.ok),
        errors: sum((r) => r.errors),
        non2xx: sum((r) => r.non2xx),
        timeouts: sum((r) => r.timeouts),
        p50: median(list.map((r) => r.p50)),
        p99: median(list.map((r) => r.p99)),
        cpu_us_per_req: perRequest(cpu[name]?.middle, sum((r) => r.ok + r.non2xx)),
        sim_cpu_us_per_req: perRequest(cpu[name]?.sim, sum((r) => r.ok + r.non2xx)),
      };
      sc.throughput_50conn.targets[name] = stats;
    }
    sc.throughput_50conn.ratio_rps = ratio(sc.throughput_50conn.targets.moongate?.rps, sc.throughput_50conn.targets.baseline?.rps);
  }
  if (wanted('log_records')) {
    log('log records = requests');
    Object.assign(sc.log_records, await logScenario(ctx, targets.find((t) => t.name === 'moongate')));
  }
  if (wanted('streams_2000')) {
    log(`${P.burst.streams} concurrent paced streams`);
    for (const t of streamTargets) {
      sc.streams_2000.targets[t.name] = await burstScenario(ctx, t);
      log(`  ${t.name}: ${JSON.stringify(sc.streams_2000.targets[t.name])}`);
    }
    sc.streams_2000.ratio_rss = ratio(sc.streams_2000.targets.moongate?.peak_rss_mb, sc.streams_2000.targets.baseline?.peak_rss_mb);
  }

  await worker.close();
  await Promise.all([moongate.stop(), baseline.stop(), relay.stop()]);
  await sim.stop();

  results.machine.loadavg_end = loadavg();
  results.duration_s = round((performance.now() - started) / 1000, 1);
  results.checks = evaluate(results);

  const out = script.saveResults(results, '', quick, args.out);
  console.log(toMarkdown(results));
  console.log(`\nJSON: ${out}`);
  clearTimeout(watchdog);
}

// ---------------------------------------------------------------------------------------------
// Scenarios

interface Ctx {
  worker: LoadWorker;
  targets: HttpTarget[];
  simUrl: string;
  pids: Partial<Record<TargetName, number | undefined>>;
  log(text: string): void;
}

/**
 * Sequential non-stream requests on one keep-alive connection, in rounds: each target's added
 * latency, and Moongate's over the baseline's.
 */
async function latencyAtOneConnection(
  ctx: Ctx,
  params: { rounds: number; warmup: number; requests: number },
  body: (model: string) => string,
): Promise<OneConnection> {
  const own: number[] = [];
  const cpu: Partial<Record<TargetName, CpuRuns>> = {};
  const samples = await rounds(ctx, params.rounds, async (t) => {
    const meter = cpuMeter(t.name, ctx.pids);
    const r = await ctx.worker.run<LatencyResult>({ kind: 'latency', target: t, body: body(t.model), warmup: params.warmup, requests: params.requests });
    meter.stop((cpu[t.name] ??= { middle: [], sim: [] }));
    if (t.name === 'moongate') own.push(...r.gatewayMs);
    return { samples: r.samples, errors: r.errors, errorSamples: r.errorSamples };
  });
  const targets = withAdded(samples);
  const ownSummary = own.length > 0 ? summarize(own) : undefined;
  const cpuPerRequest: Partial<Record<TargetName, Num>> = {};
  for (const [name, runs] of Object.entries(cpu) as [TargetName, CpuRuns][]) {
    if (name !== 'direct') cpuPerRequest[name] = perRequest(runs.middle, runs.middle.length * (params.warmup + params.requests));
  }
  return {
    targets,
    cpu_us_per_req: cpuPerRequest,
    moongate_own_ms: ownSummary ? { p50: ownSummary.p50, p99: ownSummary.p99 } : null,
    ratio_added_p50: addedRatio(targets.moongate?.added_p50, targets.baseline?.added_p50),
    ratio_added_p99: addedRatio(targets.moongate?.added_p99, targets.baseline?.added_p99),
  };
}

interface Samples {
  samples: number[];
  errors: number;
  errorSamples: string[];
}

/**
 * Runs `measure` for every target, `n` rounds, the order rotated each round so that no target
 * always goes first (or last) on a machine whose load drifts. Samples are merged per target.
 */
async function rounds(ctx: Ctx, n: number, measure: (t: HttpTarget) => Promise<Samples>): Promise<Partial<Record<TargetName, Samples>>> {
  const merged: Partial<Record<TargetName, Samples>> = {};
  for (let round = 0; round < n; round++) {
    const order = ctx.targets.map((_, i) => ctx.targets[(i + round) % ctx.targets.length]!);
    for (const t of order) {
      await resetSim(ctx.simUrl);
      const r = await measure(t);
      const m = (merged[t.name] ??= { samples: [], errors: 0, errorSamples: [] });
      for (const s of r.samples) m.samples.push(s);
      m.errors += r.errors;
      m.errorSamples.push(...r.errorSamples.slice(0, 3 - m.errorSamples.length));
    }
  }
  for (const [name, m] of Object.entries(merged)) if (m.errors > 0) ctx.log(`  ${name}: ${m.errors} errors, e.g. ${m.errorSamples.join(' | ')}`);
  return merged;
}

/** CPU seconds used during each run of one target: the process in the middle, and the simulator. */
interface CpuRuns {
  middle: (number | null)[];
  sim: (number | null)[];
}

/** Starts counting CPU time of the target's middle process (none for direct) and the simulator. */
function cpuMeter(name: TargetName, pids: Ctx['pids']): { stop(into: CpuRuns): void } {
  const pid = name === 'direct' ? undefined : pids[name];
  const middle0 = cpuSeconds(pid);
  const sim0 = cpuSeconds(sim?.proc.pid);
  const delta = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : b - a);
  return {
    stop(into) {
      into.middle.push(delta(middle0, cpuSeconds(pid)));
      into.sim.push(delta(sim0, cpuSeconds(sim?.proc.pid)));
    },
  };
}

/** µs of CPU per request from per-run CPU seconds; null when any run could not be measured. */
function perRequest(seconds: (number | null)[] | undefined, requests: number): number | null {
  if (!seconds || seconds.length === 0 || seconds.some((s) => s === null) || requests === 0) return null;
  return round(((seconds as number[]).reduce((a, b) => a + b, 0) * 1e6) / requests, 0);
}

function withAdded(samples: Partial<Record<TargetName, Samples>>): Partial<Record<TargetName, AddedSummary>> {
  const out: Partial<Record<TargetName, AddedSummary>> = {};
  const direct = samples.direct ? summarize(samples.direct.samples) : undefined;
  for (const [name, s] of Object.entries(samples) as [TargetName, Samples][]) {
    const sum = summarize(s.samples);
    out[name] = {
      ...sum,
      errors: s.errors,
      added_p50: name === 'direct' ? null : minus(sum.p50, direct?.p50),
      added_p99: name === 'direct' ? null : minus(sum.p99, direct?.p99),
    };
  }
  return out;
}

async function startupScenario(simUrl: string, targets: HttpTarget[], pids: Ctx['pids']): Promise<Partial<Record<TargetName, StartupStats>>> {
  const out: Partial<Record<TargetName, StartupStats>> = {};
  // Spawn 0 starts on an empty directory (the store is created); the others restart on its store.
  // The relay has no route of its own: it is ready when the simulator answers through it.
  const measure = async (spawnOne: (port: number, i: number) => Child, selfReported?: RegExp, healthPath = '/health/live'): Promise<StartupStats> => {
    const ready: number[] = [];
    const rss: number[] = [];
    const reported: number[] = [];
    let settled: number | null | undefined;
    for (let i = 0; i < P.startup.spawns; i++) {
      const port = await freePort();
      const t0 = performance.now();
      const child = spawnOne(port, i);
      try {
        ready.push(round(await waitHealthy(`http://127.0.0.1:${port}${healthPath}`, t0, child), 1));
        await new Promise((r) => setTimeout(r, P.startup.idleMs));
        const mb = rssMb(child.proc.pid);
        if (mb !== null) rss.push(round(mb, 1));
        if (i === P.startup.spawns - 1 && P.startup.settleMs > 0) {
          await new Promise((r) => setTimeout(r, P.startup.settleMs - P.startup.idleMs));
          const later = rssMb(child.proc.pid);
          settled = later === null ? null : round(later, 1);
        }
        const m = selfReported && child.output().match(selfReported);
        if (m) reported.push(Number(m[1]));
      } finally {
        await child.stop();
      }
    }
    return {
      ready_ms: ready.length > 1 ? median(ready.slice(1)) : (ready[0] ?? null),
      first_ready_ms: ready[0] ?? null,
      idle_rss_mb: rss.length ? median(rss) : null,
      ready_samples: ready,
      idle_rss_samples: rss,
      ...(settled !== undefined ? { settled_rss_mb: settled } : {}),
      ...(selfReported ? { self_reported_ready_ms: reported.length ? median(reported) : null } : {}),
    };
  };
  const names = new Set(targets.map((t) => t.name));
  if (names.has('relay')) out.relay = await measure((port) => startChild('tcp relay (start-up)', [join(here, 'tcp-relay.js'), simUrl, String(port)]), undefined, '/_sim/health');
  if (names.has('baseline')) out.baseline = await measure((port) => startChild('baseline proxy (start-up)', [join(here, 'baseline-proxy.js'), simUrl, String(port)]));
  if (names.has('moongate')) {
    out.moongate = await measure(
      (port) => startChild('moongate (start-up)', [cli, 'start', '--config', writeMoongateConfig(join(tmp, 'startup'), simUrl, port).file], {}, moongateNodeFlags),
      /ready in (\d+) ms/,
    );
  }
  if (names.has('peer') && pids.peer !== undefined) {
    const mb = rssMb(pids.peer);
    out.peer = { ready_ms: null, first_ready_ms: null, idle_rss_mb: mb === null ? null : round(mb, 1), ready_samples: [], idle_rss_samples: mb === null ? [] : [round(mb, 1)] };
  }
  return out;
}

async function burstScenario(ctx: Ctx, t: HttpTarget): Promise<BurstStats> {
  await resetSim(ctx.simUrl);
  const rssBefore = t.name === 'direct' ? null : rssMb(ctx.pids[t.name]);
  const rss = sampleRss(t.name === 'direct' ? undefined : ctx.pids[t.name]);
  const simRss = sampleRss(sim?.proc.pid);
  let r: StreamsResult;
  let peakRss: number | null;
  let simPeak: number | null;
  try {
    r = await ctx.worker.run<StreamsResult>({
      kind: 'streams',
      target: t,
      body: streamBody(t.model, P.burst.tokens, P.burst.tokenDelayMs, false),
      concurrency: P.burst.streams,
      count: P.burst.streams,
      rampMs: P.burst.rampMs,
      deadlineMs: P.burst.deadlineMs,
      ttfc: true,
      gaps: false,
    });
  } finally {
    peakRss = rss.stop();
    simPeak = simRss.stop();
  }
  const stats = await simStats(ctx.simUrl);
  const ttfc = summarize(r.ttfc);
  return {
    streams: r.started,
    completed: r.completed,
    errors: r.errors + (r.started < P.burst.streams ? P.burst.streams - r.started : 0),
    error_samples: r.errorSamples,
    peak_rss_mb: t.name === 'direct' || peakRss === null ? null : round(peakRss, 1),
    rss_before_mb: rssBefore === null ? null : round(rssBefore, 1),
    sim_peak_rss_mb: simPeak === null ? null : round(simPeak, 1),
    peak_open_client: r.peakOpen,
    peak_upstream: stats?.maxInFlight ?? null,
    wall_s: round(r.wallMs / 1000, 2),
    ttfc_p50: r.ttfc.length ? ttfc.p50 : null,
    ttfc_p99: r.ttfc.length ? ttfc.p99 : null,
  };
}

/**
 * Logs are being built (GET /v1/logs, SPEC's shape `{data, next_cursor}`). Until the gateway
 * serves it this reports n/a. When it does: N tagged requests at full speed, then the records with
 * that customer tag are counted (cursor paging) until they match or stop growing.
 */
async function logScenario(ctx: Ctx, t: HttpTarget | undefined): Promise<Partial<Results['scenarios']['log_records']>> {
  if (!t) return { available: false, note: 'Moongate not among the targets' };
  const auth = { authorization: `Bearer ${MASTER_KEY}` };
  let probe: { status: number; body: string };
  try {
    probe = await httpRequest('GET', `${t.origin}/v1/logs?limit=1`, auth);
  } catch (err) {
    return { available: false, note: `GET /v1/logs failed: ${String(err)}` };
  }
  if (probe.status !== 200 || !Array.isArray(parseJson(probe.body)?.data)) {
    return { available: false, note: `the gateway has no GET /v1/logs yet (HTTP ${probe.status})` };
  }
  const tag = `${runId}-logs`;
  await resetSim(ctx.simUrl);
  const r = await ctx.worker.run<ThroughputResult>({
    kind: 'throughput',
    target: t,
    body: nonStreamBody(t.model, { customer_identifier: tag }),
    connections: P.logs.connections,
    amount: P.logs.requests,
  });
  const made = r.ok + r.non2xx;
  const t0 = performance.now();
  let records: number;
  try {
    records = await waitForCount(() => countRecords(t.origin, auth, tag), made, P.logs.waitMs);
  } catch (err) {
    return { available: true, note: `counting failed: ${String(err)}`, requests: made, records: null, lost: null, flush_ms: null };
  }
  return {
    available: true,
    note: `${r.errors} socket errors not counted as requests`,
    requests: made,
    records,
    lost: made - records,
    flush_ms: round(performance.now() - t0, 0),
  };
}

async function countRecords(origin: string, headers: Record<string, string>, customer: string): Promise<number> {
  let count = 0;
  let cursor: string | undefined;
  for (let page = 0; page < 1_000; page++) {
    const query = new URLSearchParams({ customer, limit: '500', ...(cursor ? { cursor } : {}) });
    const res = await httpRequest('GET', `${origin}/v1/logs?${query}`, headers);
    const body = parseJson(res.body) as { data?: { customer_identifier?: unknown }[]; next_cursor?: string | null } | undefined;
    if (res.status !== 200 || !Array.isArray(body?.data)) throw new Error(`GET /v1/logs answered ${res.status}: ${res.body.slice(0, 200)}`);
    // Counted by the tag itself too, in case the server ignores the filter.
    count += body.data.filter((r) => r?.customer_identifier === customer).length;
    if (!body.next_cursor) break;
    cursor = body.next_cursor;
  }
  return count;
}

// ---------------------------------------------------------------------------------------------
// Helpers

/**
 * One JSON request and one stream to each target; any failure stops the run, except a peer's
 * stream (a peer gateway may not stream here): then what it answered, for the report.
 */
async function sanityCheck(worker: LoadWorker, targets: HttpTarget[]): Promise<string | undefined> {
  let peerCannotStream: string | undefined;
  for (const t of targets) {
    const a = await worker.run<LatencyResult>({ kind: 'latency', target: t, body: nonStreamBody(t.model), warmup: 0, requests: 1 });
    const b = await worker.run<StreamsResult>({
      kind: 'streams',
      target: t,
      body: streamBody(t.model, 2, 1, true),
      concurrency: 1,
      count: 1,
      deadlineMs: 10_000,
      ttfc: true,
      gaps: true,
    });
    const streamFailure = b.errors > 0 || b.gaps.length === 0 ? b.errorSamples.join(' | ') || 'no token events in its stream' : undefined;
    if (t.name === 'peer' && a.errors === 0 && streamFailure !== undefined) peerCannotStream = streamFailure;
    else if (a.errors > 0 || streamFailure !== undefined) {
      fail(`${t.name} (${t.origin}) does not answer chat requests correctly: ${[...a.errorSamples, streamFailure ?? ''].filter(Boolean).join(' | ')}`);
    }
  }
  return peerCannotStream;
}

function peerTarget(url: string): HttpTarget {
  const u = assertLoopback(url, '--peer');
  const base = u.pathname.replace(/\/$/, '');
  const path = base.endsWith('/chat/completions') ? base : base.endsWith('/v1') ? `${base}/chat/completions` : `${base}/v1/chat/completions`;
  return {
    name: 'peer',
    origin: u.origin,
    path,
    headers: { ...(args['peer-key'] ? { authorization: `Bearer ${args['peer-key']}` } : {}), ...peerHeaders(args['peer-header'] ?? []) },
    model: args['peer-model'],
  };
}

/** `--peer-header 'name: value'` (repeatable): what a peer needs besides a key, such as its routing headers. */
function peerHeaders(lines: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim().toLowerCase() : '';
    const value = line.slice(colon + 1).trim();
    if (!/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(name) || value === '') fail(`--peer-header: expected 'name: value', got ${JSON.stringify(line)}`);
    if (name in headers || (name === 'authorization' && args['peer-key'])) fail(`--peer-header: ${name} is given twice (--peer-key sets authorization)`);
    headers[name] = value;
  }
  return headers;
}

function parseJson(text: string): { data?: unknown } | undefined {
  try {
    return JSON.parse(text) as { data?: unknown };
  } catch {
    return undefined;
  }
}
