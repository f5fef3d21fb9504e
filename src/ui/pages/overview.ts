import { api, query } from '../api.js';
import { lineChart } from '../charts.js';
import type { Series } from '../charts.js';
import { errorBox, field, h, mount, scrolling } from '../dom.js';
import { keyNames } from '../key-names.js';
import { int, ms, percentile, usd } from '../format.js';
import type { LogRecord, Page, UsageRow } from '../types.js';
import { costPerBucket, costText } from '../usage-cost.js';

const RANGES = { '1h': [3600, 'hour'], '24h': [86400, 'hour'], '7d': [7 * 86400, 'hour'], '30d': [30 * 86400, 'day'] } as const;
type Range = keyof typeof RANGES;
const GROUPS = ['model', 'provider', 'key', 'customer'] as const;
/** More lines than this make a chart unreadable; the rest are summed as "other". */
const TOP = 5;

/** Requests, errors, tokens, cost, latency and TTFT over a range, broken down by one dimension. */
export function overviewPage(root: HTMLElement): () => void {
  let destroyers: (() => void)[] = [];
  // The range and breakdown are in the address (#/overview?range=7d&group=customer), replaced
  // rather than pushed: a reload or a way back from another page finds them as they were.
  const asked = new URLSearchParams(location.hash.includes('?') ? location.hash.slice(location.hash.indexOf('?') + 1) : '');
  const range = asked.get('range') ?? '';
  const group = asked.get('group') ?? '';
  const rangeSel = h('select', { id: 'overview-range' }, Object.keys(RANGES).map((r) => h('option', { value: r, selected: r === (range in RANGES ? range : '24h') }, r)));
  const groupSel = h('select', { id: 'overview-group' }, GROUPS.map((g) => h('option', { value: g, selected: g === group }, g)));
  const remember = (): void => history.replaceState(null, '', `#/overview?${new URLSearchParams({ range: rangeSel.value, group: groupSel.value }).toString()}`);
  const refresh = h('button', { id: 'overview-refresh' }, 'Refresh');
  const body = h('div', { id: 'overview-body' }, h('p', { class: 'muted' }, 'Loading…'));
  mount(root, h('div', { class: 'toolbar' }, h('h2', {}, 'Overview'), field('Range', rangeSel), field('Break down by', groupSel), refresh), body);

  // Answers can come back out of order (a 30-day range is slower than an hour): only the latest
  // load is drawn, or the page would show the range picked before under the one picked now.
  let latest = 0;
  async function load(): Promise<void> {
    const mine = ++latest;
    // The charts shown are the previous choice's until the answer comes: dimmed, not passed off as the new ones.
    body.setAttribute('aria-busy', 'true');
    const [seconds, interval] = RANGES[rangeSel.value as Range];
    const from = new Date(Date.now() - seconds * 1000).toISOString();
    try {
      const [usage, logs] = await Promise.all([
        api<{ data: UsageRow[] }>(`/v1/usage${query({ group_by: groupSel.value, interval, from })}`),
        // /v1/usage has no TTFT percentiles: they come from the latest records in the range.
        api<Page<LogRecord>>(`/v1/logs${query({ from, limit: 1000, bodies: 'false' })}`),
      ]);
      // Grouped by key, each group is named "name (key_…)" for the master key.
      const names = groupSel.value === 'key' ? await keyNames(usage.data.map((r) => r.group)) : new Map<string, string>();
      if (mine !== latest) return;
      const rows = usage.data.map((r) => (r.group !== null && names.has(r.group) ? { ...r, group: `${names.get(r.group)!} (${r.group})` } : r));
      destroyers.forEach((d) => d());
      destroyers = [];
      mount(body, ...render(rows, logs.data, interval, allBuckets(Date.parse(from), Date.now(), interval), (d) => destroyers.push(d)));
    } catch (err) {
      if (mine === latest) mount(body, errorBox(err));
    } finally {
      if (mine === latest) body.setAttribute('aria-busy', 'false');
    }
  }
  rangeSel.addEventListener('change', () => {
    remember();
    void load();
  });
  groupSel.addEventListener('change', () => {
    remember();
    void load();
  });
  refresh.addEventListener('click', () => void load());
  void load();
  return () => destroyers.forEach((d) => d());
}

/**
 * Every bucket of the range, empty ones included (/v1/usage returns only buckets with records):
 * the charts then span the chosen range and quiet hours show as zero, not as a straight line.
 */
function allBuckets(fromMs: number, toMs: number, interval: string): string[] {
  const unit = interval === 'hour' ? 3600_000 : 86400_000;
  const out: string[] = [];
  for (let t = Math.floor(fromMs / unit) * unit; t <= toMs; t += unit) out.push(new Date(t).toISOString());
  return out;
}

function render(rows: UsageRow[], logs: LogRecord[], interval: string, buckets: string[], onDestroy: (d: () => void) => void): HTMLElement[] {
  if (rows.length === 0) return [h('p', { class: 'muted', id: 'overview-empty' }, 'No requests in this range yet. Send some through the gateway, or try the Playground.')];
  const xs = buckets.map((b) => Date.parse(b) / 1000);
  const index = new Map(buckets.map((b, i) => [b, i]));
  const byGroup = groupTotals(rows);
  const top = byGroup.slice(0, TOP).map((g) => g.group);
  const name = (g: string | null): string => (g === null ? '(none)' : top.includes(g) ? g : 'other');
  const names = [...new Set(byGroup.map((g) => name(g.group)))];

  /** One series per (top) group of a row field, summed per bucket. */
  const perGroup = (pick: (r: UsageRow) => number): Series[] =>
    names.map((n) => {
      const values: (number | null)[] = xs.map(() => 0);
      for (const r of rows) if (name(r.group) === n && index.has(r.bucket)) values[index.get(r.bucket)!]! += pick(r);
      return { label: n, values };
    });
  const total = (pick: (r: UsageRow) => number): (number | null)[] => {
    const values: (number | null)[] = xs.map(() => 0);
    for (const r of rows) if (index.has(r.bucket)) values[index.get(r.bucket)!]! += pick(r);
    return values;
  };
  // Percentiles cannot be added across groups, so latency is drawn per group (the busiest three).
  const latency: Series[] = top.slice(0, 3).flatMap((g) => {
    const p = (key: 'p50_latency_ms' | 'p95_latency_ms'): (number | null)[] => xs.map((_, i) => rows.find((r) => r.group === g && index.get(r.bucket) === i)?.[key] ?? null);
    return [
      { label: `${g ?? '(none)'} p95`, values: p('p95_latency_ms') },
      { label: `${g ?? '(none)'} p50`, values: p('p50_latency_ms'), dash: true },
    ];
  });
  const ttft = ttftSeries(logs, buckets, interval);

  const charts = [
    lineChart('Requests', xs, [...perGroup((r) => r.requests), { label: 'errors (all)', values: total((r) => r.errors), dash: true }], int, 'count'),
    lineChart('Tokens', xs, [
      { label: 'prompt', values: total((r) => r.prompt_tokens) },
      { label: 'completion', values: total((r) => r.completion_tokens) },
      { label: 'cached', values: total((r) => r.cached_tokens), dash: true },
    ], int, 'count'),
    lineChart('Cost (USD)', xs, names.map((n) => ({ label: n, values: costPerBucket(rows.filter((r) => name(r.group) === n), index, xs.length) })), usd, 'usd'),
    lineChart('Latency', xs, latency, ms, 'ms'),
    lineChart('Time to first token (streams)', xs, ttft, ms, 'ms'),
  ];
  charts.forEach((c) => onDestroy(c.destroy));

  const sum = (pick: (r: UsageRow) => number): number => rows.reduce((a, r) => a + pick(r), 0);
  const requests = sum((r) => r.requests);
  const errors = sum((r) => r.errors);
  const latencies = logs.map((l) => l.latency_ms).filter((v): v is number => v !== null);
  const ttfts = logs.map((l) => l.ttft_ms).filter((v): v is number => v !== null);
  const sampled = logs.length >= 1000 ? ' (latest 1,000)' : '';
  const tiles = h(
    'div',
    { class: 'tiles', id: 'overview-tiles' },
    tile('Requests', int(requests)),
    tile('Errors', `${int(errors)} (${requests ? ((100 * errors) / requests).toFixed(1) : 0}%)`),
    tile('Tokens', int(sum((r) => r.prompt_tokens + r.completion_tokens))),
    tile('Cost', costText(rows)),
    tile(`Latency p50 / p95${sampled}`, `${ms(percentile(latencies, 50))} / ${ms(percentile(latencies, 95))}`),
    tile(`TTFT p50 / p95${sampled}`, `${ms(percentile(ttfts, 50))} / ${ms(percentile(ttfts, 95))}`),
  );
  return [tiles, h('div', { class: 'charts' }, charts.map((c) => c.el)), breakdown(byGroup, rows)];
}

function tile(label: string, value: string): HTMLElement {
  return h('div', { class: 'card tile' }, h('div', { class: 'muted' }, label), h('div', { class: 'big' }, value));
}

function groupTotals(rows: UsageRow[]): { group: string | null; requests: number }[] {
  const map = new Map<string | null, number>();
  for (const r of rows) map.set(r.group, (map.get(r.group) ?? 0) + r.requests);
  return [...map].map(([group, requests]) => ({ group, requests })).sort((a, b) => b.requests - a.requests);
}

/** TTFT p50/p95 per bucket from log records (streams only), bucketed as /v1/usage does (UTC). */
function ttftSeries(logs: LogRecord[], buckets: string[], interval: string): Series[] {
  const unit = interval === 'hour' ? 3600_000 : 86400_000;
  const per = new Map<number, number[]>();
  for (const l of logs) {
    if (l.ttft_ms === null) continue;
    const b = Math.floor(Date.parse(l.created_at) / unit) * unit;
    per.set(b, [...(per.get(b) ?? []), l.ttft_ms]);
  }
  const at = (p: number): (number | null)[] => buckets.map((b) => percentile(per.get(Date.parse(b)) ?? [], p));
  return [
    { label: 'p95', values: at(95) },
    { label: 'p50', values: at(50), dash: true },
  ];
}

/**
 * The totals table lists this many of the busiest groups and sums the rest in one row: grouped by
 * customer, thousands of groups made a table of thousands of rows that froze the tab for seconds
 * at every refresh, and that nobody reads.
 */
const BREAKDOWN_ROWS = 100;

/** Totals per group over the range. Latency is the request-weighted mean of bucket percentiles (≈). */
function breakdown(groups: { group: string | null }[], rows: UsageRow[]): HTMLElement {
  const head = ['Group', 'Requests', 'Errors', 'Prompt tok', 'Completion tok', 'Cost', 'p50 ≈', 'p95 ≈'];
  // Each group's rows, found once (a filter over every row for every group was quadratic).
  const rowsOf = new Map<string | null, UsageRow[]>();
  for (const r of rows) {
    const list = rowsOf.get(r.group);
    if (list) list.push(r);
    else rowsOf.set(r.group, [r]);
  }
  const rest = groups.slice(BREAKDOWN_ROWS);
  const line = (label: string, mine: UsageRow[]): HTMLElement => {
    const s = (pick: (r: UsageRow) => number): number => mine.reduce((a, r) => a + pick(r), 0);
    const weighted = (pick: (r: UsageRow) => number | null): number | null => {
      const n = s((r) => (pick(r) === null ? 0 : r.requests));
      return n ? s((r) => (pick(r) ?? 0) * r.requests) / n : null;
    };
    return h(
      'tr',
      {},
      h('td', { class: 'wrap' }, label),
      h('td', {}, int(s((r) => r.requests))),
      h('td', {}, int(s((r) => r.errors))),
      h('td', {}, int(s((r) => r.prompt_tokens))),
      h('td', {}, int(s((r) => r.completion_tokens))),
      h('td', { class: 'cost' }, costText(mine)),
      h('td', {}, ms(weighted((r) => r.p50_latency_ms))),
      h('td', {}, ms(weighted((r) => r.p95_latency_ms))),
    );
  };
  return h(
    'section',
    { class: 'card' },
    h('h3', {}, 'Breakdown'),
    scrolling(
      h(
        'table',
        { id: 'overview-breakdown' },
        h('thead', {}, h('tr', {}, head.map((t) => h('th', {}, t)))),
        h(
          'tbody',
          {},
          groups.slice(0, BREAKDOWN_ROWS).map(({ group }) => line(group ?? '(none)', rowsOf.get(group) ?? [])),
          rest.length > 0 ? line(`other (${int(rest.length)} groups)`, rest.flatMap(({ group }) => rowsOf.get(group) ?? [])) : null,
        ),
      ),
    ),
  );
}
