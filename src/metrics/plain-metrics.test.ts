import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { PlainCounter, PlainHistogram } from './plain-metrics.js';

const BUCKETS = [0.0005, 0.001, 0.05, 0.1, 1, 10];
const LABEL_VALUES = ['moonshot', 'kimi-k2.6', 'a "quoted" name', 'back\\slash', 'new\nline', 'ünï', '200', '499'];

interface PlainChildren {
  inc(by?: number): void;
  observe(value: number): void;
}

/** A small deterministic generator, so that a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('PlainCounter and PlainHistogram', () => {
  it('render the same text as prom-client for the same values', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const next = random(seed);
      const pick = (): string => LABEL_VALUES[Math.floor(next() * LABEL_VALUES.length)]!;
      const ours = new Registry();
      const theirs = new Registry();
      const labelNames = ['provider', 'model', 'status'] as const;
      const counter = new PlainCounter(ours, 'x_total', 'help "text"\\ here', labelNames);
      const histogram = new PlainHistogram(ours, 'x_seconds', 'a histogram', labelNames, BUCKETS);
      const refCounter = new Counter({ name: 'x_total', help: 'help "text"\\ here', labelNames, registers: [theirs] });
      const refHistogram = new Histogram({ name: 'x_seconds', help: 'a histogram', labelNames, buckets: BUCKETS, registers: [theirs] });
      // Children are kept, as the gateway keeps them, or made afresh: both must count the same.
      const kept = new Map<string, [PlainChildren, PlainChildren]>();
      const children = (labels: string[]): [PlainChildren, PlainChildren] => {
        const key = labels.join('\u0000');
        const c = counter.labels(...labels);
        const h = histogram.labels(...labels);
        const fresh: [PlainChildren, PlainChildren] = [
          { inc: (by) => c.inc(by), observe: (value) => h.observe(value) },
          { inc: refCounter.labels(...labels).inc, observe: refHistogram.labels(...labels).observe },
        ];
        if (next() < 0.5) return fresh;
        if (!kept.has(key)) kept.set(key, fresh);
        return kept.get(key)!;
      };
      for (let i = 0; i < 300; i++) {
        const labels = [pick(), pick(), pick()];
        const [plain, ref] = children(labels);
        const r = next();
        if (r < 0.05) {
          // Made and not used: no series until it counts.
          continue;
        } else if (r < 0.07) {
          ours.resetMetrics();
          theirs.resetMetrics();
        } else if (r < 0.4) {
          const by = next() < 0.5 ? 1 : Math.round(next() * 1e6) / 1e3;
          plain.inc(by);
          ref.inc(by);
        } else {
          // Values on the bounds themselves, zero, and past the last bound, as well as in between.
          const r = next();
          const value = r < 0.3 ? BUCKETS[Math.floor(next() * BUCKETS.length)]! : r < 0.35 ? 0 : r < 0.4 ? 1e4 : next() * 2;
          plain.observe(value);
          ref.observe(value);
        }
      }
      expect(await ours.metrics()).toBe(await theirs.metrics());
    }
  });

  it('count through a kept child', async () => {
    const registry = new Registry();
    const counter = new PlainCounter(registry, 'c_total', 'c', ['model']);
    const histogram = new PlainHistogram(registry, 'h_seconds', 'h', ['model'], [1, 2]);
    const requests = counter.labels('kimi');
    const latency = histogram.labels('kimi');
    requests.inc();
    requests.inc(2);
    latency.observe(0.5);
    latency.observe(2);
    latency.observe(3);
    const text = await registry.metrics();
    expect(text).toContain('c_total{model="kimi"} 3\n');
    expect(text).toContain('h_seconds_bucket{le="1",model="kimi"} 1\n');
    expect(text).toContain('h_seconds_bucket{le="2",model="kimi"} 2\n');
    expect(text).toContain('h_seconds_bucket{le="+Inf",model="kimi"} 3\n');
    expect(text).toContain('h_seconds_sum{model="kimi"} 5.5\n');
    expect(text).toContain('h_seconds_count{model="kimi"} 3');
  });

  it('ignore what prom-client would throw on (a counter going down, a value that is not a number) rather than fail a request', async () => {
    const registry = new Registry();
    const counter = new PlainCounter(registry, 'c_total', 'c', ['model']);
    const histogram = new PlainHistogram(registry, 'h_seconds', 'h', ['model'], [1]);
    counter.labels('kimi').inc(-1);
    counter.labels('kimi').inc(Number.NaN);
    counter.labels('kimi').inc(Number.POSITIVE_INFINITY);
    histogram.labels('kimi').observe(Number.NaN);
    histogram.labels('kimi').observe(Number.POSITIVE_INFINITY);
    const text = await registry.metrics();
    expect(text).toBe('# HELP c_total c\n# TYPE c_total counter\n\n# HELP h_seconds h\n# TYPE h_seconds histogram\n');
  });

  it('refuse a wrong number of label values, and start over on reset', async () => {
    const registry = new Registry();
    const counter = new PlainCounter(registry, 'c_total', 'c', ['provider', 'model']);
    expect(() => counter.labels('moonshot')).toThrow('c_total takes 2 labels, got 1');
    counter.labels('moonshot', 'kimi').inc();
    registry.resetMetrics();
    expect(await registry.metrics()).toBe('# HELP c_total c\n# TYPE c_total counter\n');
  });
});
