/** Number and time formatting shared by the pages. */
export function usd(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  if (v === 0) return '$0';
  return v < 0.01 ? `$${v.toPrecision(2)}` : `$${v.toFixed(v < 100 ? 4 : 2)}`;
}

// One formatter for every number: toLocaleString builds one per call, half a second for a big table.
const INT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function int(v: number | null | undefined): string {
  return v === null || v === undefined ? '—' : INT.format(Math.round(v));
}

export function ms(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`;
}

export function time(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 23)}`;
}

/** Pretty JSON for detail views. */
export function json(v: unknown): string {
  return JSON.stringify(v, null, 2);
}

/** Nearest-rank percentile, as /v1/usage computes it. */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
