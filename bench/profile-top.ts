/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`, or `npm run bench -- --profile DIR`):
 * top functions by self time, self time by file/package, and Moongate's own functions by total
 * (inclusive) time. Percentages are of busy time (idle excluded).
 *
 *   node profile-top.js FILE.cpuprofile [--top N]
 *
 * Also self time by area of the request path (socket writes, node:http, undici, Moongate's server,
 * router, providers, logs…), the table docs/performance.md's "Where the time goes" is made from.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { areaOf, type CallFrame, where } from './lib/profile-areas.js';

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
const file = positionals[0];
if (!file) {
  console.error('usage: node profile-top.js FILE.cpuprofile [--top N]');
  process.exit(1);
}
const top = Number(values.top);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

/** The bundle's source maps, by script URL (null: none), to name src/ files rather than chunks. */
const maps = new Map<string, SourceMap | null>();
function sourceMapOf(url: string): SourceMap | null {
  if (!maps.has(url)) {
    let map: SourceMap | null = null;
    if (url.startsWith('file://') && url.includes('/dist/bundle/')) {
      const file = `${fileURLToPath(url)}.map`;
      if (existsSync(file)) map = new SourceMap(JSON.parse(readFileSync(file, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]);
    }
    maps.set(url, map);
  }
  return maps.get(url)!;
}
/** A frame in the bundle, moved to its place in the source (file and line). */
function original(f: CallFrame): CallFrame {
  const entry = sourceMapOf(f.url)?.findEntry(f.lineNumber, f.columnNumber);
  if (!entry || !('originalSource' in entry)) return f;
  const source = pathToFileURL(resolve(dirname(fileURLToPath(f.url)), entry.originalSource)).href;
  return { ...f, url: source, lineNumber: entry.originalLine, columnNumber: entry.originalColumn };
}
for (const n of profile.nodes) if (n.callFrame.url.includes('/dist/bundle/')) n.callFrame = original(n.callFrame);

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const label = (f: CallFrame): string => `${f.functionName || '(anonymous)'}  ${where(f.url)}${f.url ? `:${f.lineNumber + 1}` : ''}`;
const keyOf = (f: CallFrame): string => `${f.functionName}|${f.url}|${f.lineNumber}|${f.columnNumber}`;

const self = new Map<string, { label: string; us: number }>();
const byFile = new Map<string, number>();
const byArea = new Map<string, number>();
const inclusive = new Map<string, { label: string; us: number }>();
let busy = 0;
let idle = 0;

for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i + 1] ?? 0; // a sample's time is the gap to the next one
  const node = byId.get(profile.samples[i]!);
  if (!node) continue;
  const f = node.callFrame;
  if (f.functionName === '(idle)') {
    idle += dt;
    continue;
  }
  busy += dt;
  const k = keyOf(f);
  const s = self.get(k) ?? { label: label(f), us: 0 };
  s.us += dt;
  self.set(k, s);
  const w = f.functionName.startsWith('(') ? f.functionName : where(f.url);
  byFile.set(w, (byFile.get(w) ?? 0) + dt);
  const area = areaOf(f);
  byArea.set(area, (byArea.get(area) ?? 0) + dt);
  // Inclusive time of Moongate's functions: each function once per sample, however deep it recurses.
  const seen = new Set<string>();
  for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
    const cf = byId.get(id)!.callFrame;
    if (!where(cf.url).startsWith('src/')) continue;
    const key = keyOf(cf);
    if (seen.has(key)) continue;
    seen.add(key);
    const e = inclusive.get(key) ?? { label: label(cf), us: 0 };
    e.us += dt;
    inclusive.set(key, e);
  }
}

const pct = (us: number): string => `${((100 * us) / busy).toFixed(1).padStart(5)} %`;
const wall = (profile.endTime - profile.startTime) / 1e6;
console.log(`${file}\nwall ${wall.toFixed(1)} s, busy ${(busy / 1e6).toFixed(1)} s (${((100 * busy) / (busy + idle)).toFixed(0)} % of samples), idle ${(idle / 1e6).toFixed(1)} s\n`);

console.log(`Top ${top} functions by self time (% of busy):`);
for (const e of [...self.values()].sort((a, b) => b.us - a.us).slice(0, top)) console.log(`  ${pct(e.us)}  ${e.label}`);

console.log(`\nSelf time by file / package (% of busy):`);
for (const [w, us] of [...byFile.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(us)}  ${w}`);

console.log(`\nSelf time by area (% of busy):`);
for (const [a, us] of [...byArea.entries()].sort((x, y) => y[1] - x[1])) console.log(`  ${pct(us)}  ${a}`);

console.log(`\nMoongate functions by total time, callees included (% of busy):`);
for (const e of [...inclusive.values()].sort((a, b) => b.us - a.us).slice(0, top)) console.log(`  ${pct(e.us)}  ${e.label}`);
