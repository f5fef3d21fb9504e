import { usd } from './format.js';
import type { UsageRow } from './types.js';

/**
 * The cost of some usage rows as text: unpriced requests are counted, never shown as $0. Rows
 * whose requests are all unpriced have `cost_usd: null`; when no row has a known cost the answer
 * is "unpriced", otherwise the known sum and how many requests it leaves out.
 */
export function costText(rows: readonly UsageRow[]): string {
  const unpriced = rows.reduce((n, r) => n + r.unpriced_requests, 0);
  const priced = rows.filter((r) => r.cost_usd !== null);
  if (priced.length === 0) return unpriced > 0 ? `unpriced (${unpriced})` : usd(0);
  const known = usd(priced.reduce((sum, r) => sum + (r.cost_usd ?? 0), 0));
  return unpriced > 0 ? `${known} + ${unpriced} unpriced` : known;
}

/**
 * Known cost per bucket (index into the chart's buckets). A bucket with requests but no known
 * cost is null, a gap in the chart, rather than a point at $0; a bucket without requests is $0.
 */
export function costPerBucket(rows: readonly UsageRow[], bucketIndex: ReadonlyMap<string, number>, bucketCount: number): (number | null)[] {
  const values: (number | null)[] = Array.from({ length: bucketCount }, () => 0);
  const known = new Set<number>();
  const seen = new Set<number>();
  for (const r of rows) {
    const i = bucketIndex.get(r.bucket);
    if (i === undefined) continue;
    seen.add(i);
    if (r.cost_usd === null) continue;
    values[i] = (values[i] ?? 0) + r.cost_usd;
    known.add(i);
  }
  for (const i of seen) if (!known.has(i)) values[i] = null;
  return values;
}
