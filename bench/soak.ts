/**
 * `npm run bench:soak`: does Moongate hold on to memory under a long, mixed load? Loopback only.
 *
 * Starts the simulator, the baseline proxy and Moongate (the benchmark's setup: a virtual key,
 * SQLite logs with full bodies), each with a probe that reads what is still live after full
 * collections (heap-probe.ts). Then, phase after phase, sends each target the soak's mix
 * (lib/soak-mix.ts: successes, streams, clients hanging up, upstream errors, garbage, refused
 * bodies, Kimi's tool round trip), lets it go quiet, and reads its live heap and RSS. A leak shows
 * as live heap that grows with the requests served, phase after phase; the first phase fills
 * caches and pools, so growth is counted from its end. The baseline holds nothing from request to
 * request: its line is the measurement's noise. Last, Moongate's log records are counted against
 * the requests it was sent.
 *
 *   node soak.js [--quick] [--phases N] [--phase-seconds S] [--concurrency C]
 *                [--targets baseline,moongate] [--kinds k1,k2] [--out FILE]
 */
import { loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { gitInfo } from './lib/checkout.js';
import { countLogRecords } from './lib/count-log-records.js';
import { readHeap } from './lib/heap-readings.js';
import { mergeKindCounts } from './lib/mixed-load.js';
import { SIM_KEY, gatewayKey, writeMoongateConfig } from './lib/moongate-setup.js';
import { positiveInt, positiveNumber } from './lib/number-options.js';
import { freePort, startChild, startLoadWorker, waitHealthy, type Child } from './lib/processes.js';
import type { HttpTarget, MixedKindCounts, MixedResult } from './lib/protocol.js';
import { benchScript, failer, machineInfo } from './lib/script.js';
import { resetSim } from './lib/sim-control.js';
import { growthPerRequest } from './lib/soak-growth.js';
import { SOAK_MIX } from './lib/soak-mix.js';
import { soakReport, type SoakResults, type SoakTarget } from './lib/soak-report.js';
import { round } from './lib/stats.js';

const fail = failer('soak', 2);
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    phases: { type: 'string' },
    'phase-seconds': { type: 'string' },
    concurrency: { type: 'string', default: '16' },
    targets: { type: 'string', default: 'baseline,moongate' },
    kinds: { type: 'string' },
    out: { type: 'string' },
  },
});

const quick = args.quick;
const phases = positiveInt(args.phases ?? (quick ? '3' : '7'), '--phases', fail);
// The growth is fitted from the end of the first phase: two readings at least.
if (phases < 3) fail('--phases: at least 3 (the first one warms up, and growth needs two readings after it)');
const phaseMs = 1000 * positiveNumber(args['phase-seconds'] ?? (quick ? '1.5' : '10'), '--phase-seconds', fail);
const concurrency = positiveInt(args.concurrency, '--concurrency', fail);
const wantedTargets = new Set(args.targets.split(',').map((s) => s.trim()));
for (const name of wantedTargets) if (name !== 'baseline' && name !== 'moongate') fail(`--targets: baseline and/or moongate, not ${name}`);
const kinds = args.kinds?.split(',').map((s) => s.trim());
for (const name of kinds ?? []) if (!SOAK_MIX.some((k) => k.name === name)) fail(`--kinds: no kind ${name} (kinds: ${SOAK_MIX.map((k) => k.name).join(', ')})`);
/** After each phase: streams end, the log writer's batch (every 250 ms) is written, timers fire. */
const QUIET_MS = quick ? 600 : 1_500;
/** Moongate's other routes for the mix: the upstream failures' alias, and one through the OpenAI-compatible provider. */
const ROUTES = { faulty: 'kimi-faulty', compat: 'kimi-compat' };

const script = benchScript('soak', import.meta.url, 'npm run bench:soak', fail);
const { here, root, cli, simModule, tmp, started, log } = script;

/** A target under the probe, and what the soak has measured of it so far. */
interface Probed {
  target: HttpTarget;
  child: Child;
  probeFile: string;
  readings: SoakTarget['readings'];
  kinds: Record<string, MixedKindCounts>;
  requests: number;
}

script.run(main);

async function main(): Promise<void> {
  const loadStart = loadavg();
  const sim = startChild('simulator', [join(here, 'sim-server.js'), simModule, '0']);
  const simUrl = (await sim.waitFor(/simulator listening on (http:\/\/\S+)/, 10_000))[1]!;
  const probeArgs = ['--expose-gc', '--import', pathToFileURL(join(here, 'heap-probe.js')).href];
  const probed: Probed[] = [];
  const underProbe = (target: HttpTarget, child: Child, probeFile: string): Probed => ({ target, child, probeFile, readings: [], kinds: {}, requests: 0 });

  if (wantedTargets.has('baseline')) {
    const port = await freePort();
    const probeFile = join(tmp, 'baseline.heap.jsonl');
    const child = startChild('baseline proxy', [join(here, 'baseline-proxy.js'), simUrl, String(port)], { MOONGATE_HEAP_PROBE_FILE: probeFile }, probeArgs);
    await waitHealthy(`http://127.0.0.1:${port}/health/live`, performance.now(), child);
    const target: HttpTarget = { name: 'baseline', origin: `http://127.0.0.1:${port}`, path: '/v1/chat/completions', headers: { authorization: `Bearer ${SIM_KEY}` }, model: 'kimi-k2.6' };
    probed.push(underProbe(target, child, probeFile));
  }
  let moongateYaml: string | null = null;
  let moongateAuth: string | null = null;
  if (wantedTargets.has('moongate')) {
    // Upstream failures go to an alias of another model: breakers are kept per credential and
    // model, so its breakers open and close while the main route's stay closed. The simulator
    // speaks OpenAI's API too: a provider of type openai-compatible pointed at it.
    const config = writeMoongateConfig(join(tmp, 'moongate'), simUrl, await freePort(), {
      providers: { compat: { base_url: `${simUrl}/v1`, api_key: SIM_KEY } },
      aliases: { [ROUTES.faulty]: 'moonshot/kimi-k2.5', [ROUTES.compat]: 'compat/kimi-k2.6' },
      router: { backoff_ms: 20, max_queue_wait_ms: 300, cooldown: { fails: 3, seconds: 1, window_seconds: 10 } },
    });
    moongateYaml = config.yaml;
    const probeFile = join(tmp, 'moongate.heap.jsonl');
    const child = startChild('moongate', [cli, 'start', '--config', config.file], { MOONGATE_HEAP_PROBE_FILE: probeFile }, probeArgs);
    await waitHealthy(`${config.url}/health/live`, performance.now(), child);
    const auth = await gatewayKey(config.url, `soak-${Date.now().toString(36)}`);
    moongateAuth = auth.kind;
    const target: HttpTarget = { name: 'moongate', origin: config.url, path: '/v1/chat/completions', headers: { authorization: `Bearer ${auth.key}` }, model: 'kimi' };
    probed.push(underProbe(target, child, probeFile));
  }

  const worker = startLoadWorker(join(here, 'load-worker.js'));
  let item = 0;
  for (let phase = 1; phase <= phases; phase++) {
    for (const p of probed) {
      await resetSim(simUrl);
      const r = await worker.run<MixedResult>({
        kind: 'mixed',
        target: p.target,
        routes: p.target.name === 'moongate' ? ROUTES : undefined,
        concurrency,
        durationMs: phaseMs,
        startAt: item,
        ...(kinds ? { only: kinds } : {}),
      });
      item += r.items;
      p.requests += r.requests;
      mergeKindCounts(p.kinds, r.byKind);
      await new Promise((done) => setTimeout(done, QUIET_MS));
      const reading = await readHeap(p.child, p.probeFile);
      p.readings.push({ phase, requests: p.requests, ...reading });
      log(`phase ${phase}/${phases}, ${p.target.name}: ${r.requests} requests, live heap ${(reading.live_heap_bytes / 2 ** 20).toFixed(1)} MB, RSS ${(reading.rss_bytes / 2 ** 20).toFixed(1)} MB`);
    }
  }
  await worker.close();

  const moongate = probed.find((p) => p.target.name === 'moongate');
  const logRecords = moongate ? await countLogRecords(moongate.target.origin, moongate.requests) : null;
  for (const p of probed) await p.child.stop();
  await sim.stop();

  const results: SoakResults = {
    version: 1,
    date: new Date().toISOString(),
    quick,
    duration_s: round((performance.now() - started) / 1000, 1),
    params: { phases, phase_seconds: phaseMs / 1000, concurrency, quiet_ms: QUIET_MS, kinds: kinds ?? null },
    machine: machineInfo(loadStart),
    git: gitInfo(root),
    moongate_cli: relative(root, cli),
    moongate_config: moongateYaml,
    moongate_auth: moongateAuth,
    targets: Object.fromEntries(
      probed.map((p) => [p.target.name, { readings: p.readings, requests: p.requests, growth: growthPerRequest(p.readings.slice(1)), kinds: p.kinds } satisfies SoakTarget]),
    ),
    log_records: logRecords,
  };
  const out = script.saveResults(results, 'soak-', quick, args.out);
  console.log(soakReport(results));
  console.log(`\nJSON: ${out}`);
}
