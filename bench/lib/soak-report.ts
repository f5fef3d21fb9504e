/** The soak's result (written as JSON) and its markdown report. */
import type { LogCount } from './count-log-records.js';
import type { HeapReading } from './heap-readings.js';
import type { MixedKindCounts } from './protocol.js';
import type { MachineInfo } from './script.js';
import { toMb, type Growth } from './soak-growth.js';

export interface SoakTarget {
  /** Requests sent so far (cumulative), read after each phase. */
  readings: (HeapReading & { phase: number; requests: number })[];
  requests: number;
  /** From the end of the first phase, which fills caches and pools, to the last. */
  growth: Growth;
  kinds: Record<string, MixedKindCounts>;
}

export interface SoakResults {
  version: 1;
  date: string;
  quick: boolean;
  duration_s: number;
  params: { phases: number; phase_seconds: number; concurrency: number; quiet_ms: number; kinds: string[] | null };
  machine: MachineInfo;
  git: { commit: string | null; dirty_src_files: number | null };
  moongate_cli: string;
  moongate_config: string | null;
  moongate_auth: string | null;
  targets: Partial<Record<'baseline' | 'moongate', SoakTarget>>;
  log_records: LogCount | null;
}

export function soakReport(r: SoakResults): string {
  const p = r.params;
  const targets = Object.entries(r.targets) as [string, SoakTarget][];
  const lines = [
    `Moongate soak${r.quick ? ' (--quick smoke run: numbers are not meaningful)' : ''} — ${r.date}`,
    `Moongate at ${r.git.commit?.slice(0, 10) ?? 'unknown commit'}${r.git.dirty_src_files ? ` + ${r.git.dirty_src_files} uncommitted files under src/` : ''}; ${p.phases} phases of ${p.phase_seconds} s at ${p.concurrency} connections per target${p.kinds ? `, only ${p.kinds.join(', ')}` : ''}, ${p.quiet_ms} ms of quiet before each reading; ${r.duration_s.toFixed(0)} s`,
    '',
    `| after phase | ${targets.map(([name]) => `${name}: requests, live heap MB, RSS MB`).join(' | ')} |`,
    `| --- | ${targets.map(() => '---').join(' | ')} |`,
  ];
  for (let i = 0; i < p.phases; i++) {
    const cells = targets.map(([, t]) => {
      const x = t.readings[i]!;
      return `${x.requests}, ${toMb(x.live_heap_bytes)}, ${toMb(x.rss_bytes)}`;
    });
    lines.push(`| ${i + 1} | ${cells.join(' | ')} |`);
  }
  lines.push('');
  for (const [name, t] of targets) {
    const g = t.growth;
    lines.push(`- **${name}:** live heap ${g.first_mb} → ${g.last_mb} MB after phase 1 (${signed(Math.round((g.last_mb - g.first_mb) * 10) / 10)} MB over ${g.requests} requests); fitted slope ${signed(g.bytes_per_1000_requests)} bytes per 1,000 requests.`);
  }
  if (r.log_records) {
    const l = r.log_records;
    lines.push(`- **Moongate's log records:** ${l.records ?? '?'} for ${l.requests} requests sent: ${l.none_lost ? 'none lost' : 'RECORDS MISSING'}${l.note ? ` (${l.note})` : ''}.`);
  }
  lines.push('', `| kind | ${targets.map(([name]) => `${name}: items, answers by status, error events, hung up, failed`).join(' | ')} |`, `| --- | ${targets.map(() => '---').join(' | ')} |`);
  const kinds = [...new Set(targets.flatMap(([, t]) => Object.keys(t.kinds)))];
  for (const kind of kinds) {
    const cells = targets.map(([, t]) => {
      const c = t.kinds[kind];
      if (!c) return '–';
      const answers = Object.entries(c.status).map(([status, n]) => `${status}×${n}`).join(' ') || '–';
      return `${c.items}, ${answers}, ${c.errorEvents}, ${c.aborted}, ${c.failed}`;
    });
    lines.push(`| ${kind} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

function signed(n: number): string {
  return `${n >= 0 ? '+' : ''}${n}`;
}
