import type { Metric } from 'prom-client';

/** Where a metric is registered: a prom-client `Registry`, or a list kept until one exists. */
export interface MetricRegistrar {
  registerMetric(metric: Metric): void;
}

/**
 * What the registry reads of a metric when it scrapes. prom-client's typings declare `type` as a
 * numeric enum that does not exist at run time; the registry writes the string.
 */
export interface ScrapedMetric {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  values: { value: number; labels: Record<string, string | number>; metricName?: string }[];
}

/** One label set's numbers. */
interface Child<L extends string> {
  readonly labels: Record<L, string>;
  /** Back to zero and unwritten; a caller may keep using it. */
  clear(): void;
}

/**
 * Counters and histograms for the request path, kept as plain numbers and handed to a prom-client
 * registry when Prometheus scrapes. prom-client's own classes check and hash the labels on every
 * `inc` and `observe`, even through a bound child: ~1 µs each, seven times per request, about 2 %
 * of the serving thread. Here a child is bound to its label set once and costs an addition.
 *
 * The registry reads a metric through `name` and `get()` (prom-client 15's `metrics()` and
 * `getMetricsAsJSON()`), and calls `reset()` in `resetMetrics()`. Its `registerMetric` is typed
 * for its own classes only, hence the cast in the constructor. The output is the text prom-client
 * writes for the same values, series in the order they were first used (plain-metrics.test.ts
 * compares the two).
 */
abstract class PlainMetric<L extends string, C extends Child<L>> {
  readonly aggregator = 'sum' as const;
  private readonly children = new Map<string, C>();
  /** Children that have counted since the start or the last reset, in that order. */
  protected readonly written: C[] = [];

  constructor(
    registry: MetricRegistrar,
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly L[],
  ) {
    registry.registerMetric(this as unknown as Metric);
  }

  /** The child for these label values, in `labelNames` order; keep it, it is the cheap path. */
  protected child(values: readonly string[], create: (labels: Record<L, string>) => C): C {
    if (values.length !== this.labelNames.length) throw new Error(`${this.name} takes ${this.labelNames.length} labels, got ${values.length}`);
    const key = values.join('\u0000');
    let child = this.children.get(key);
    if (!child) {
      const labels = {} as Record<L, string>;
      this.labelNames.forEach((name, i) => (labels[name] = values[i]!));
      child = create(labels);
      this.children.set(key, child);
    }
    return child;
  }

  reset(): void {
    for (const child of this.children.values()) child.clear();
    this.written.length = 0;
  }
}

class CounterChild<L extends string> implements Child<L> {
  value = 0;
  private used = false;

  constructor(
    readonly labels: Record<L, string>,
    private readonly written: CounterChild<L>[],
  ) {}

  inc(by = 1): void {
    // A counter only goes up; prom-client would throw here, on the request path.
    if (!(by >= 0 && by !== Infinity)) return;
    this.value += by;
    if (!this.used) {
      this.used = true;
      this.written.push(this);
    }
  }

  clear(): void {
    this.value = 0;
    this.used = false;
  }
}

export class PlainCounter<L extends string> extends PlainMetric<L, CounterChild<L>> {
  readonly type = 'counter' as const;

  labels(...values: string[]): { inc(by?: number): void } {
    return this.child(values, (labels) => new CounterChild(labels, this.written));
  }

  get(): Promise<ScrapedMetric> {
    const values = this.written.map((c) => ({ value: c.value, labels: c.labels }));
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }
}

class HistogramChild<L extends string> implements Child<L> {
  /** Observations per bucket, not cumulative; the last one is +Inf's own. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Record<L, string>,
    private readonly buckets: readonly number[],
    private readonly written: HistogramChild<L>[],
  ) {
    this.counts = new Float64Array(buckets.length + 1);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) return; // prom-client would throw
    let i = 0;
    while (i < this.buckets.length && value > this.buckets[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    if (this.count++ === 0) this.written.push(this);
  }

  clear(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

export class PlainHistogram<L extends string> extends PlainMetric<L, HistogramChild<L>> {
  readonly type = 'histogram' as const;

  constructor(
    registry: MetricRegistrar,
    name: string,
    help: string,
    labelNames: readonly L[],
    private readonly buckets: readonly number[],
  ) {
    super(registry, name, help, labelNames);
  }

  labels(...values: string[]): { observe(value: number): void } {
    return this.child(values, (labels) => new HistogramChild(labels, this.buckets, this.written));
  }

  get(): Promise<ScrapedMetric> {
    const values: ScrapedMetric['values'] = [];
    const bucket = `${this.name}_bucket`;
    for (const c of this.written) {
      let cumulative = 0;
      this.buckets.forEach((le, i) => {
        cumulative += c.counts[i]!;
        values.push({ value: cumulative, metricName: bucket, labels: { le, ...c.labels } });
      });
      values.push({ value: c.count, metricName: bucket, labels: { le: '+Inf', ...c.labels } });
      values.push({ value: c.sum, metricName: `${this.name}_sum`, labels: c.labels });
      values.push({ value: c.count, metricName: `${this.name}_count`, labels: c.labels });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }
}
