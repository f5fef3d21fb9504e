/** The JSON the benchmark writes (bench/results/*.json) and the markdown table made from it. */
import type { TargetName } from './protocol.js';
import type { Summary } from './stats.js';
import type { MachineInfo } from './script.js';

export type Num = number | null;

export interface AddedSummary extends Summary {
  errors: number;
  /** This target's value minus direct-to-simulator's, same run (null for direct itself). */
  added_p50: Num;
  added_p99: Num;
}

/**
 * Moongate's own time per request as it reports it (`server-timing: gateway;dur=`): from the
 * request's arrival to its answer, minus the wait for the upstream. What "added" holds besides it
 * is the extra hop (a second loopback connection, two more process wake-ups), as the baseline pays.
 */
export interface OwnTime {
  p50: number;
  p99: number;
}

/** A one-connection latency scenario's result. */
export interface OneConnection {
  targets: Partial<Record<TargetName, AddedSummary>>;
  ratio_added_p50: Num;
  ratio_added_p99: Num;
  moongate_own_ms: OwnTime | null;
  /**
   * CPU time (user + system) of the process in the middle per request, µs, warm-up included (Linux):
   * at one connection each request's CPU is also its latency, two to three times what the same
   * request costs at 50 connections.
   */
  cpu_us_per_req?: Partial<Record<TargetName, Num>>;
}

export interface ThroughputStats {
  rps: number;
  ok: number;
  errors: number;
  non2xx: number;
  timeouts: number;
  /** autocannon's latency percentiles (ms, coarse). */
  p50: number;
  p99: number;
  /** CPU time (user + system) the process in the middle spent per answered request, µs (Linux). */
  cpu_us_per_req: Num;
  /** The simulator's CPU time per request, µs: the same for every target if the load is the same. */
  sim_cpu_us_per_req: Num;
}

export interface BurstStats {
  streams: number;
  completed: number;
  errors: number;
  error_samples: string[];
  /** Peak RSS of the process in the middle (relay, proxy or gateway), MB; null for direct. */
  peak_rss_mb: Num;
  /**
   * RSS of the process in the middle just before the burst, MB: what the earlier scenarios left
   * (a grown V8 heap, the allocator's free lists), which the peak includes. Null for direct.
   */
  rss_before_mb?: Num;
  /** Peak RSS of the simulator during this target's run, MB. */
  sim_peak_rss_mb: Num;
  /** Most streams open at the client at once. */
  peak_open_client: number;
  /** Most chat requests in flight at the simulator at once (how many streams really ran concurrently). */
  peak_upstream: Num;
  wall_s: number;
  ttfc_p50: Num;
  ttfc_p99: Num;
}

export interface StartupStats {
  /**
   * Time from spawn to the first 200 from /health/live (the relay: the simulator's /_sim/health
   * through it), ms: median of restarts (store already there).
   */
  ready_ms: Num;
  /** The same for the very first start (empty store directory: database created, migrations run). */
  first_ready_ms: Num;
  /** Median RSS after start-up and an idle pause, MB. */
  idle_rss_mb: Num;
  ready_samples: number[];
  idle_rss_samples: number[];
  /**
   * RSS of the last spawn once it has been idle for `settleMs` after start-up, MB (full runs only):
   * by then V8's memory reducer (first run ~8 s after start) has given back the young generation
   * start-up grew. Reported beside the target's figure, not instead of it.
   */
  settled_rss_mb?: Num;
  /** What the process printed as its own start-up time, when it does. */
  self_reported_ready_ms?: Num;
}

export interface ScenarioBase {
  title: string;
  params: Record<string, unknown>;
  skipped?: boolean;
}

export interface Results {
  version: 1;
  date: string;
  quick: boolean;
  duration_s: number;
  machine: MachineInfo;
  targets: TargetName[];
  /** The peer's URL and model, and the names (not the values) of the headers it was sent. */
  peer: { url: string; model: string; header_names: string[] } | null;
  moongate_config: string;
  /** How the load authenticates to Moongate: a virtual key from POST /admin/keys when it exists. */
  moongate_auth: 'virtual key' | 'master key';
  /** The CLI started, relative to the checkout: the bundle, or tsc's dist/cli/main.js for an older build. */
  moongate_cli?: string;
  /** The node flags Moongate's process runs with, as its command line has them (`--node-flags`, `--profile`). */
  moongate_node_flags?: string[];
  /** What was measured: the commit, and how many files under src/ differed from it (work in progress). */
  git: { commit: string | null; dirty_src_files: number | null };
  scenarios: {
    latency_1conn: ScenarioBase & OneConnection;
    latency_1conn_large: ScenarioBase & OneConnection;
    throughput_50conn: ScenarioBase & { targets: Partial<Record<TargetName, ThroughputStats>>; ratio_rps: Num };
    stream_ttfc: ScenarioBase & { targets: Partial<Record<TargetName, AddedSummary>>; ratio_added_p50: Num };
    stream_interchunk: ScenarioBase & {
      targets: Partial<Record<TargetName, AddedSummary & { streams: number; events: number; cpu_us_per_event: Num; sim_cpu_us_per_event: Num }>>;
      ratio_added_p99: Num;
    };
    streams_2000: ScenarioBase & { targets: Partial<Record<TargetName, BurstStats>>; ratio_rss: Num };
    idle_startup: ScenarioBase & { targets: Partial<Record<TargetName, StartupStats>>; ratio_idle_rss: Num; ratio_ready: Num };
    log_records: ScenarioBase & {
      available: boolean;
      note: string;
      requests: Num;
      records: Num;
      lost: Num;
      flush_ms: Num;
    };
  };
  checks: Check[];
  /** What the report should say besides the table (a peer left out of some scenarios, say). */
  notes: string[];
}

export type ScenarioName = keyof Results['scenarios'];
export const SCENARIOS: readonly ScenarioName[] = [
  'idle_startup',
  'latency_1conn',
  'latency_1conn_large',
  'stream_ttfc',
  'stream_interchunk',
  'throughput_50conn',
  'log_records',
  'streams_2000',
];

export interface Check {
  target: string;
  /** What was measured for Moongate, in words and numbers. */
  measured: string;
  /** true = met, false = missed, null = not measured (skipped, n/a). */
  pass: boolean | null;
}

/** The issue's targets, evaluated on Moongate's numbers. */
export function evaluate(r: Results): Check[] {
  const s = r.scenarios;
  const mg = {
    lat: s.latency_1conn.targets.moongate,
    tp: s.throughput_50conn.targets.moongate,
    ttfc: s.stream_ttfc.targets.moongate,
    gaps: s.stream_interchunk.targets.moongate,
    burst: s.streams_2000.targets.moongate,
    idle: s.idle_startup.targets.moongate,
  };
  const le = (v: Num | undefined, max: number): boolean | null => (v == null ? null : v <= max);
  const ge = (v: Num | undefined, min: number): boolean | null => (v == null ? null : v >= min);
  const both = (a: boolean | null, b: boolean | null): boolean | null => (a === null || b === null ? null : a && b);
  return [
    { target: '1 conn non-stream: added p50 ≤ 0.3 ms', measured: `${fmt(mg.lat?.added_p50)} ms`, pass: le(mg.lat?.added_p50, 0.3) },
    { target: '1 conn non-stream: added p99 ≤ 1 ms', measured: `${fmt(mg.lat?.added_p99)} ms`, pass: le(mg.lat?.added_p99, 1) },
    { target: '50 conns: throughput ≥ 0.6 × baseline', measured: `${fmt(s.throughput_50conn.ratio_rps)} ×`, pass: ge(s.throughput_50conn.ratio_rps, 0.6) },
    { target: 'streams: added TTFC p50 ≤ 0.5 ms', measured: `${fmt(mg.ttfc?.added_p50)} ms`, pass: le(mg.ttfc?.added_p50, 0.5) },
    { target: 'paced streams: added inter-chunk p99 ≤ 1 ms', measured: `${fmt(mg.gaps?.added_p99)} ms`, pass: le(mg.gaps?.added_p99, 1) },
    {
      target: '2,000 paced streams: zero errors, RSS ≤ 250 MB',
      measured: mg.burst ? `${mg.burst.errors} errors, ${fmt(mg.burst.peak_rss_mb, 0)} MB, ${mg.burst.peak_upstream ?? 'n/a'} upstream at once` : 'n/a',
      pass: mg.burst ? both(mg.burst.errors === 0, le(mg.burst.peak_rss_mb, 250)) : null,
    },
    { target: 'idle RSS ≤ 80 MB', measured: `${fmt(mg.idle?.idle_rss_mb, 1)} MB`, pass: le(mg.idle?.idle_rss_mb, 80) },
    {
      target: 'ready ≤ 1 s',
      measured: `${fmt(mg.idle?.first_ready_ms, 0)} ms first start, ${fmt(mg.idle?.ready_ms, 0)} ms restart`,
      pass: both(le(mg.idle?.first_ready_ms, 1000), le(mg.idle?.ready_ms, 1000)),
    },
    {
      target: 'log records written = requests made',
      measured: s.log_records.available ? `${s.log_records.records} of ${s.log_records.requests}` : `n/a (${s.log_records.note})`,
      pass: s.log_records.available && s.log_records.lost !== null ? s.log_records.lost === 0 : null,
    },
  ];
}

export function fmt(value: Num | undefined, digits = 2): string {
  if (value == null || !Number.isFinite(value)) return 'n/a';
  return value.toFixed(digits);
}

const verdict = (pass: boolean | null): string => (pass === null ? '–' : pass ? '✅ met' : '❌ missed');

/** The run as markdown: one table, targets as columns, the issue's targets in the last columns. */
export function toMarkdown(r: Results): string {
  const names = r.targets;
  const s = r.scenarios;
  const head = ['metric', ...names.map(label), 'Moongate / baseline', 'target', ''];
  const rows: string[][] = [];
  const checks = new Map(r.checks.map((c) => [c.target, c]));
  const check = (key: string): string[] => {
    const c = checks.get(key);
    return c ? [key.split(': ').pop() ?? key, verdict(c.pass)] : ['', ''];
  };
  const added = (v: { p50?: number; p99?: number; added_p50: Num; added_p99: Num } | undefined, which: 'p50' | 'p99', digits = 3): string => {
    if (!v) return '–';
    const raw = fmt(v[which], digits);
    const add = which === 'p50' ? v.added_p50 : v.added_p99;
    return add == null ? raw : `${raw} (${add >= 0 ? '+' : ''}${fmt(add, digits)})`;
  };
  const per = <T>(targets: Partial<Record<string, T>>, cell: (v: T | undefined, name: string) => string): string[] => names.map((n) => cell(targets[n], n));

  if (!s.latency_1conn.skipped) {
    const t = s.latency_1conn.targets;
    rows.push(['1 conn non-stream, p50 ms (added)', ...per(t, (v) => added(v, 'p50')), times(s.latency_1conn.ratio_added_p50, 'added'), ...check('1 conn non-stream: added p50 ≤ 0.3 ms')]);
    rows.push(['1 conn non-stream, p99 ms (added)', ...per(t, (v) => added(v, 'p99')), times(s.latency_1conn.ratio_added_p99, 'added'), ...check('1 conn non-stream: added p99 ≤ 1 ms')]);
    const own = s.latency_1conn.moongate_own_ms;
    if (own) rows.push(["1 conn non-stream: Moongate's own time (server-timing), p50 / p99 ms", ...per(t, (_v, n) => (n === 'moongate' ? `${fmt(own.p50)} / ${fmt(own.p99)}` : '')), '', '', '']);
    const cpu = s.latency_1conn.cpu_us_per_req;
    if (cpu) rows.push(['1 conn non-stream: CPU µs per request, process in the middle', ...per(cpu, (v, n) => (n === 'direct' ? 'n/a' : fmt(v ?? null, 0))), times(ratio2(cpu.moongate, cpu.baseline)), '', '']);
  }
  if (!s.latency_1conn_large.skipped) {
    const t = s.latency_1conn_large.targets;
    const kb = (s.latency_1conn_large.params as { bodyKb?: number }).bodyKb;
    rows.push([`1 conn non-stream, ${kb} KB conversation, p50 ms (added)`, ...per(t, (v) => added(v, 'p50')), times(s.latency_1conn_large.ratio_added_p50, 'added'), '', '']);
    rows.push([`1 conn non-stream, ${kb} KB conversation, p99 ms (added)`, ...per(t, (v) => added(v, 'p99')), times(s.latency_1conn_large.ratio_added_p99, 'added'), '', '']);
    const own = s.latency_1conn_large.moongate_own_ms;
    if (own) rows.push([`1 conn non-stream, ${kb} KB conversation: Moongate's own time, p50 / p99 ms`, ...per(t, (_v, n) => (n === 'moongate' ? `${fmt(own.p50)} / ${fmt(own.p99)}` : '')), '', '', '']);
    const cpu = s.latency_1conn_large.cpu_us_per_req;
    if (cpu) rows.push([`1 conn non-stream, ${kb} KB conversation: CPU µs per request, process in the middle`, ...per(cpu, (v, n) => (n === 'direct' ? 'n/a' : fmt(v ?? null, 0))), times(ratio2(cpu.moongate, cpu.baseline)), '', '']);
  }
  if (!s.throughput_50conn.skipped) {
    const t = s.throughput_50conn.targets;
    rows.push(['50 conns non-stream, req/s', ...per(t, (v) => (v ? v.rps.toFixed(0) : '–')), times(s.throughput_50conn.ratio_rps), ...check('50 conns: throughput ≥ 0.6 × baseline')]);
    rows.push(['50 conns: CPU µs per request, process in the middle', ...per(t, (v, name) => (v ? (name === 'direct' ? `n/a (sim ${fmt(v.sim_cpu_us_per_req, 0)})` : fmt(v.cpu_us_per_req, 0)) : '–')), times(ratio2(t.moongate?.cpu_us_per_req, t.baseline?.cpu_us_per_req)), '', '']);
    rows.push(['50 conns, errors + non-2xx', ...per(t, (v) => (v ? String(v.errors + v.non2xx + v.timeouts) : '–')), '', '', '']);
  }
  if (!s.stream_ttfc.skipped) {
    const t = s.stream_ttfc.targets;
    rows.push(['stream time to first chunk, p50 ms (added)', ...per(t, (v) => added(v, 'p50')), times(s.stream_ttfc.ratio_added_p50, 'added'), ...check('streams: added TTFC p50 ≤ 0.5 ms')]);
    rows.push(['stream time to first chunk, p99 ms (added)', ...per(t, (v) => added(v, 'p99')), '', '', '']);
  }
  if (!s.stream_interchunk.skipped) {
    const t = s.stream_interchunk.targets;
    rows.push([`paced inter-chunk gap, p50 ms (added)`, ...per(t, (v) => added(v, 'p50')), '', '', '']);
    rows.push([`paced inter-chunk gap, p99 ms (added)`, ...per(t, (v) => added(v, 'p99')), times(s.stream_interchunk.ratio_added_p99, 'added'), ...check('paced streams: added inter-chunk p99 ≤ 1 ms')]);
    rows.push(['paced streams: CPU µs per event, process in the middle', ...per(t, (v, name) => (v ? (name === 'direct' ? `n/a (sim ${fmt(v.sim_cpu_us_per_event, 0)})` : fmt(v.cpu_us_per_event, 0)) : '–')), times(ratio2(t.moongate?.cpu_us_per_event, t.baseline?.cpu_us_per_event)), '', '']);
  }
  if (!s.streams_2000.skipped) {
    const t = s.streams_2000.targets;
    const n = s.streams_2000.params.streams;
    rows.push([`${n} paced streams: errors`, ...per(t, (v) => (v ? `${v.errors}/${v.streams}` : '–')), '', '', '']);
    rows.push([`${n} paced streams: peak RSS MB`, ...per(t, (v, name) => (v ? (name === 'direct' ? `n/a (sim ${fmt(v.sim_peak_rss_mb, 0)})` : fmt(v.peak_rss_mb, 0)) : '–')), times(s.streams_2000.ratio_rss), ...check('2,000 paced streams: zero errors, RSS ≤ 250 MB')]);
    rows.push([`${n} paced streams: RSS just before the burst MB`, ...per(t, (v, name) => (v && name !== 'direct' ? fmt(v.rss_before_mb ?? null, 0) : '–')), '', '', '']);
    rows.push([`${n} paced streams: most at once upstream`, ...per(t, (v) => (v ? String(v.peak_upstream ?? 'n/a') : '–')), '', '', '']);
    rows.push([`${n} paced streams: wall s / TTFC p99 ms`, ...per(t, (v) => (v ? `${v.wall_s.toFixed(1)} / ${fmt(v.ttfc_p99, 0)}` : '–')), '', '', '']);
  }
  if (!s.idle_startup.skipped) {
    const t = s.idle_startup.targets;
    rows.push(['idle RSS MB', ...per(t, (v) => (v ? fmt(v.idle_rss_mb, 1) : 'n/a')), times(s.idle_startup.ratio_idle_rss), ...check('idle RSS ≤ 80 MB')]);
    if (Object.values(t).some((v) => v?.settled_rss_mb != null)) {
      rows.push(['idle RSS MB, 10 s after start-up (V8 has given back what start-up grew)', ...per(t, (v) => (v?.settled_rss_mb != null ? fmt(v.settled_rss_mb, 1) : 'n/a')), '', '', '']);
    }
    rows.push(['start-up: spawn → first health answer ms, first start / restart', ...per(t, (v) => (v ? `${fmt(v.first_ready_ms, 0)} / ${fmt(v.ready_ms, 0)}` : 'n/a')), times(s.idle_startup.ratio_ready), ...check('ready ≤ 1 s')]);
  }
  if (!s.log_records.skipped) {
    const l = s.log_records;
    const cell = l.available ? `${l.records}/${l.requests}` : `n/a (${l.note})`;
    rows.push(['log records written / requests made', ...names.map((n) => (n === 'moongate' ? cell : 'n/a')), '', 'equal', verdict(l.available ? l.lost === 0 : null)]);
  }

  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  const m = r.machine;
  return [
    `Moongate benchmark${r.quick ? ' (--quick smoke run: numbers are not meaningful)' : ''} — ${r.date}`,
    `Moongate at ${r.git.commit?.slice(0, 10) ?? 'unknown commit'}${r.git.dirty_src_files ? ` + ${r.git.dirty_src_files} uncommitted files under src/` : ''}, called with a ${r.moongate_auth}${r.moongate_cli ? `, run from ${r.moongate_cli}` : ''}${r.moongate_node_flags?.length ? ` with node flags ${r.moongate_node_flags.join(' ')}` : ''}.`,
    `${m.cpus} × ${m.cpu_model}, ${m.total_mem_gb} GB, ${m.os}, Node ${m.node}; load average ${m.loadavg_start.map((x) => x.toFixed(2)).join(' ')} → ${m.loadavg_end.map((x) => x.toFixed(2)).join(' ')}; ${r.duration_s.toFixed(0)} s`,
    '',
    line(head),
    line(head.map(() => '---')),
    ...rows.map(line),
    '',
    '"added" = via that target − direct to the simulator, same run. Ratios are Moongate / baseline. The TCP relay is the hop alone: bytes passed on, no HTTP.',
    ...(r.notes.length > 0 ? ['', ...r.notes] : []),
  ].join('\n');
}

function ratio2(a: Num | undefined, b: Num | undefined): Num {
  return a == null || b == null || b === 0 ? null : a / b;
}

function label(name: TargetName): string {
  return { direct: 'direct (sim)', relay: 'TCP relay', baseline: 'baseline proxy', moongate: 'Moongate', peer: 'peer' }[name];
}

function times(value: Num, what = ''): string {
  return value == null ? '' : `${value.toFixed(2)}×${what ? ` ${what}` : ''}`;
}
