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
 *   node soak.js [--quick] [--phases N] [--phase-seconds S] [--concurrency C] [--targets baseline,moongate] [--out FILE]
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, loadavg, tmpdir, type as osType, release } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { findRoot, gitInfo } from './lib/checkout.js';
import { MASTER_KEY, SIM_KEY, gatewayKey, moongateCli, writeMoongateConfig } from './lib/moongate-setup.js';
import { freePort, httpRequest, killAll, startChild, startLoadWorker, waitHealthy, type Child } from './lib/processes.js';
import type { HttpTarget, MixedKindCounts, MixedResult } from './lib/protocol.js';
import { resetSim } from './lib/sim-control.js';
import { growthPerRequest, type HeapReading } from './lib/soak-growth.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    phases: { type: 'string' },
    'phase-seconds': { type: 'string' },
    concurrency: { type: 'string', default: '16' },
    targets: { type: 'string', default: 'baseline,moongate' },
    out: { type: 'string' },
  },
});

const quick = args.quick;
const phases = positiveInt(args.phases ?? (quick ? '3' : '7'), '--phases');
const phaseMs = 1000 * positiveNumber(args['phase-seconds'] ?? (quick ? '1.5' : '10'), '--phase-seconds');
const concurrency = positiveInt(args.concurrency, '--concurrency');
const wantedTargets = new Set(args.targets.split(',').map((s) => s.trim()));
for (const name of wantedTargets) if (name !== 'baseline' && name !== 'moongate') fail(`--targets: baseline and/or moongate, not ${name}`);
if (phases < 2) fail('--phases: at least 2 (the first one warms up)');
/** After each phase: streams end, the log writer's batch (every 250 ms) is written, timers fire. */
const QUIET_MS = quick ? 600 : 1_500;
const FAULTY_ALIAS = 'kimi-faulty';

const here = dirname(fileURLToPath(import.meta.url));
const root = findRoot(here);
const cli = moongateCli(root);
const simModule = join(root, 'dist/sim/index.js');
if (!existsSync(cli) || !existsSync(simModule)) fail('dist/ is missing: run `npm run build` first (`npm run bench:soak` does).');
const tmp = mkdtempSync(join(tmpdir(), 'moongate-soak-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
process.on('SIGINT', () => {
  killAll();
  process.exit(130);
});
const started = performance.now();
const log = (text: string): void => void process.stderr.write(`[soak ${((performance.now() - started) / 1000).toFixed(1)}s] ${text}\n`);

interface Probed {
  target: HttpTarget;
  child: Child;
  probeFile: string;
  readings: (HeapReading & { phase: number; rss_bytes: number })[];
  kinds: Record<string, MixedKindCounts>;
  requests: number;
  /** Requests hung up on a timer before any answer: they may not have reached the target. */
  unsure: number;
}

main().catch((err: unknown) => {
  console.error(`soak: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  killAll();
  process.exit(1);
});

async function main(): Promise<void> {
  const loadStart = loadavg();
  const sim = startChild('simulator', [join(here, 'sim-server.js'), simModule, '0']);
  const simUrl = (await sim.waitFor(/simulator listening on (http:\/\/\S+)/, 10_000))[1]!;
  const probeArgs = ['--expose-gc', '--import', pathToFileURL(join(here, 'heap-probe.js')).href];
  const probed: Probed[] = [];

  if (wantedTargets.has('baseline')) {
    const port = await freePort();
    const probeFile = join(tmp, 'baseline.heap.jsonl');
    const child = startChild('baseline proxy', [join(here, 'baseline-proxy.js'), simUrl, String(port)], { MOONGATE_HEAP_PROBE_FILE: probeFile }, probeArgs);
    await waitHealthy(`http://127.0.0.1:${port}/health/live`, performance.now(), child);
    const target: HttpTarget = { name: 'baseline', origin: `http://127.0.0.1:${port}`, path: '/v1/chat/completions', headers: { authorization: `Bearer ${SIM_KEY}` }, model: 'kimi-k2.6' };
    probed.push({ target, child, probeFile, readings: [], kinds: {}, requests: 0, unsure: 0 });
  }
  let moongateYaml: string | undefined;
  let moongateAuth: string | undefined;
  if (wantedTargets.has('moongate')) {
    // Upstream failures go to an alias of another model: breakers are kept per credential and
    // model, so its breakers open and close while the main route's stay closed.
    const config = writeMoongateConfig(join(tmp, 'moongate'), simUrl, await freePort(), {
      aliases: { [FAULTY_ALIAS]: 'moonshot/kimi-k2.5' },
      router: '{ backoff_ms: 20, max_queue_wait_ms: 300, cooldown: { fails: 3, seconds: 1, window_seconds: 10 } }',
    });
    moongateYaml = config.yaml;
    const probeFile = join(tmp, 'moongate.heap.jsonl');
    const child = startChild('moongate', [cli, 'start', '--config', config.file], { MOONGATE_HEAP_PROBE_FILE: probeFile }, probeArgs);
    await waitHealthy(`${config.url}/health/live`, performance.now(), child);
    const auth = await gatewayKey(config.url, `soak-${Date.now().toString(36)}`);
    moongateAuth = auth.kind;
    const target: HttpTarget = { name: 'moongate', origin: config.url, path: '/v1/chat/completions', headers: { authorization: `Bearer ${auth.key}` }, model: 'kimi' };
    probed.push({ target, child, probeFile, readings: [], kinds: {}, requests: 0, unsure: 0 });
  }
  if (probed.length === 0) fail('no targets');

  const worker = startLoadWorker(join(here, 'load-worker.js'));
  let item = 0;
  for (let phase = 1; phase <= phases; phase++) {
    for (const p of probed) {
      await resetSim(simUrl);
      const r = await worker.run<MixedResult>({
        kind: 'mixed',
        target: p.target,
        faultyModel: p.target.name === 'moongate' ? FAULTY_ALIAS : undefined,
        concurrency,
        durationMs: phaseMs,
        startAt: item,
      });
      item += r.items;
      p.requests += r.requests;
      p.unsure += r.unsure;
      addCounts(p.kinds, r.byKind);
      await new Promise((done) => setTimeout(done, QUIET_MS));
      const reading = await readHeap(p);
      p.readings.push({ phase, requests: p.requests, ...reading });
      log(`phase ${phase}/${phases}, ${p.target.name}: ${r.requests} requests, live heap ${mb(reading.live_heap_bytes)} MB, RSS ${mb(reading.rss_bytes)} MB`);
    }
  }
  await worker.close();

  const moongate = probed.find((p) => p.target.name === 'moongate');
  const logRecords = moongate ? await countLogRecords(moongate) : undefined;
  for (const p of probed) await p.child.stop();
  await sim.stop();

  const results = {
    version: 1,
    date: new Date().toISOString(),
    quick,
    duration_s: Math.round((performance.now() - started) / 100) / 10,
    params: { phases, phase_seconds: phaseMs / 1000, concurrency, quiet_ms: QUIET_MS },
    machine: { cpus: cpus().length, cpu_model: cpus()[0]?.model.trim() ?? 'unknown', os: `${osType()} ${release()}`, node: process.version, loadavg_start: loadStart, loadavg_end: loadavg() },
    git: gitInfo(root),
    moongate_cli: relative(root, cli),
    moongate_config: moongateYaml ?? null,
    moongate_auth: moongateAuth ?? null,
    targets: Object.fromEntries(
      probed.map((p) => [p.target.name, { requests: p.requests, readings: p.readings, growth: growthPerRequest(p.readings.slice(1)), kinds: p.kinds }]),
    ),
    log_records: logRecords ?? null,
  };
  const out = args.out ? resolve(args.out) : join(root, 'bench/results', `soak-${quick ? 'quick-' : ''}${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(report(results, probed));
  console.log(`\nJSON: ${out}`);
}

/** Signals the probe and waits for its line: full collections first, so it takes a moment. */
async function readHeap(p: Probed): Promise<{ live_heap_bytes: number; rss_bytes: number }> {
  const before = linesOf(p.probeFile).length;
  p.child.proc.kill('SIGUSR2');
  const t0 = performance.now();
  for (;;) {
    const lines = linesOf(p.probeFile);
    if (lines.length > before) return JSON.parse(lines.at(-1)!) as { live_heap_bytes: number; rss_bytes: number };
    if (performance.now() - t0 > 15_000) throw new Error(`${p.target.name}: no heap reading within 15 s (is heap-probe.js loaded?):\n${p.child.output()}`);
    await new Promise((done) => setTimeout(done, 20));
  }
}

function linesOf(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

/**
 * Every request Moongate received has a log record, the refused and the abandoned included: the
 * usage totals of the (fresh) store, once they stop growing. Requests hung up on a timer before any
 * answer may not have reached it, so the count is right anywhere from the requests less those to
 * all of them.
 */
async function countLogRecords(p: Probed): Promise<LogCount> {
  const count = async (): Promise<number> => {
    const res = await httpRequest('GET', `${p.target.origin}/v1/usage?group_by=model&interval=day`, { authorization: `Bearer ${MASTER_KEY}` });
    if (res.status !== 200) throw new Error(`GET /v1/usage answered ${res.status}: ${res.body.slice(0, 200)}`);
    const body = JSON.parse(res.body) as { data?: { requests?: number }[] };
    return (body.data ?? []).reduce((sum, row) => sum + (row.requests ?? 0), 0);
  };
  const verdict = (records: number | null, note?: string): LogCount => ({
    requests: p.requests,
    maybe_not_received: p.unsure,
    records,
    none_lost: records !== null && records >= p.requests - p.unsure && records <= p.requests,
    ...(note ? { note } : {}),
  });
  let records = -1;
  let stableSince = performance.now();
  try {
    for (const t0 = performance.now(); performance.now() - t0 < 15_000; ) {
      const now = await count();
      if (now >= p.requests) return verdict(now);
      if (now !== records) [records, stableSince] = [now, performance.now()];
      else if (performance.now() - stableSince > 3_000) break;
      await new Promise((done) => setTimeout(done, 250));
    }
  } catch (err) {
    return verdict(null, String(err));
  }
  return verdict(records);
}

interface LogCount {
  requests: number;
  maybe_not_received: number;
  records: number | null;
  none_lost: boolean;
  note?: string;
}

function addCounts(into: Record<string, MixedKindCounts>, from: Record<string, MixedKindCounts>): void {
  for (const [name, c] of Object.entries(from)) {
    const t = (into[name] ??= { sent: 0, status: {}, errorEvents: 0, aborted: 0, failed: 0, samples: [] });
    t.sent += c.sent;
    t.errorEvents += c.errorEvents;
    t.aborted += c.aborted;
    t.failed += c.failed;
    for (const [code, n] of Object.entries(c.status)) t.status[code] = (t.status[code] ?? 0) + n;
    for (const s of c.samples) if (t.samples.length < 3) t.samples.push(s);
  }
}

function report(r: { date: string; quick: boolean; duration_s: number; git: { commit: string | null; dirty_src_files: number | null }; log_records: LogCount | null }, probed: Probed[]): string {
  const lines = [
    `Moongate soak${r.quick ? ' (--quick smoke run: numbers are not meaningful)' : ''} — ${r.date}`,
    `Moongate at ${r.git.commit?.slice(0, 10) ?? 'unknown commit'}${r.git.dirty_src_files ? ` + ${r.git.dirty_src_files} uncommitted files under src/` : ''}; ${phases} phases of ${phaseMs / 1000} s at ${concurrency} connections per target, ${QUIET_MS} ms of quiet before each reading; ${r.duration_s.toFixed(0)} s`,
    '',
    `| after phase | ${probed.map((p) => `${p.target.name}: requests, live heap MB, RSS MB`).join(' | ')} |`,
    `| --- | ${probed.map(() => '---').join(' | ')} |`,
  ];
  for (let i = 0; i < phases; i++) {
    lines.push(`| ${i + 1} | ${probed.map((p) => { const x = p.readings[i]!; return `${x.requests}, ${mb(x.live_heap_bytes)}, ${mb(x.rss_bytes)}`; }).join(' | ')} |`);
  }
  lines.push('');
  for (const p of probed) {
    const g = growthPerRequest(p.readings.slice(1));
    lines.push(
      `- **${p.target.name}:** live heap ${g.first_mb} → ${g.last_mb} MB after phase 1 (${signed(Math.round((g.last_mb - g.first_mb) * 10) / 10)} MB over ${g.requests} requests); fitted slope ${signed(g.bytes_per_1000_requests)} bytes per 1,000 requests.`,
    );
  }
  if (r.log_records) {
    const l = r.log_records;
    lines.push(
      `- **Moongate's log records:** ${l.records ?? '?'} for ${l.requests} requests sent, ${l.maybe_not_received} of them hung up on a timer before any answer (such a request may not have reached the gateway): ${l.none_lost ? 'none lost' : 'RECORDS MISSING'}${l.note ? ` (${l.note})` : ''}.`,
    );
  }
  lines.push('', '| kind | ' + probed.map((p) => `${p.target.name}: sent, answers by status, error events, hung up, failed`).join(' | ') + ' |', `| --- | ${probed.map(() => '---').join(' | ')} |`);
  const kinds = [...new Set(probed.flatMap((p) => Object.keys(p.kinds)))];
  for (const kind of kinds) {
    lines.push(`| ${kind} | ${probed.map((p) => { const c = p.kinds[kind]; return c ? `${c.sent}, ${Object.entries(c.status).map(([s, n]) => `${s}×${n}`).join(' ') || '–'}, ${c.errorEvents}, ${c.aborted}, ${c.failed}` : '–'; }).join(' | ')} |`);
  }
  return lines.join('\n');
}

function mb(bytes: number): number {
  return Math.round(bytes / 2 ** 20 * 10) / 10;
}

function signed(n: number): string {
  return `${n >= 0 ? '+' : ''}${n}`;
}

function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) fail(`${flag} takes a whole number above 0, not ${text}`);
  return n;
}

function positiveNumber(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) fail(`${flag} takes a number above 0, not ${text}`);
  return n;
}

function fail(message: string): never {
  console.error(`soak: ${message}`);
  killAll();
  process.exit(2);
}
