/**
 * Caps how many distinct values a label may take. Model names come from callers (any
 * `provider/anything` is routed), and every new label value is a new time series kept in memory
 * forever: past the cap, new values are reported as `other`.
 */
export class LabelLimiter {
  private readonly seen = new Set<string>();

  constructor(private readonly max: number) {}

  value(raw: string | undefined): string {
    if (raw === undefined || raw === '') return 'none';
    if (this.seen.has(raw)) return raw;
    if (this.seen.size >= this.max) return 'other';
    this.seen.add(raw);
    return raw;
  }
}
