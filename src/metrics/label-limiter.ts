/**
 * Caps how many distinct values a label may take. Model names come from callers (any
 * `provider/anything` is routed), and every new label value is a new time series kept in memory
 * forever. Values `isKnown` accepts (models in the catalogue or the config: a bounded set) always
 * pass; the others share the cap, and past it are reported as `other`.
 */
export class LabelLimiter {
  private readonly seen = new Set<string>();
  private unknown = 0;

  constructor(
    private readonly maxUnknown: number,
    private readonly isKnown: (value: string, context: string | undefined) => boolean = () => false,
  ) {}

  /** `context` is handed to `isKnown` (a model's provider). */
  value(raw: string | undefined, context?: string): string {
    if (raw === undefined || raw === '') return 'none';
    if (this.seen.has(raw)) return raw;
    if (!this.isKnown(raw, context)) {
      if (this.unknown >= this.maxUnknown) return 'other';
      this.unknown++;
    }
    this.seen.add(raw);
    return raw;
  }
}
