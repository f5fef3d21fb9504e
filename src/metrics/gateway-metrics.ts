import type * as PromClient from 'prom-client';
import type { Metric, Registry } from 'prom-client';
import type { LogWriterStats } from '../logs/log-writer.js';
import type { PriceBook } from '../pricing/price-book.js';
import { requestCost } from '../pricing/request-cost.js';
import { costInputOf } from '../server/request-outcome.js';
import type { RequestObserver, RequestOutcome } from '../server/request-outcome.js';
import { LabelLimiter } from './label-limiter.js';
import { PlainCounter, PlainHistogram } from './plain-metrics.js';

/** Where the gauges read their values when Prometheus scrapes. Each is optional. */
export interface MetricsSources {
  /** Chat requests being answered now. */
  inFlight?: () => number;
  /** Requests waiting for a credential with room under its limits, or for a resting deployment. */
  queueDepth?: () => number;
  /** Per credential (`provider/name`): its state and requests in flight on it. */
  credentials?: () => { credential: string; state: 'ok' | 'cooling_down' | 'disabled'; in_flight: number }[];
  logWriter?: () => LogWriterStats;
  /** With the `redis` key only: whether replicas share limits and health through it now. */
  redisUp?: () => boolean;
}

export interface GatewayMetricsOptions {
  prices: PriceBook;
  /** Node process metrics (memory, CPU, event-loop lag) as `moongate_process_*` and `moongate_nodejs_*`. */
  processMetrics?: boolean;
}

interface Series {
  requests: { inc(value?: number): void };
  latency: { observe(value: number): void };
  ttft: { observe(value: number): void };
  overhead: { observe(value: number): void };
  prompt: { inc(value?: number): void };
  completion: { inc(value?: number): void };
  cost: { inc(value?: number): void };
}

const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600];
const TTFT_BUCKETS = [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 20];
const OVERHEAD_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
const CREDENTIAL_STATES = ['ok', 'cooling_down', 'disabled'] as const;
/** Model names neither the catalogue nor the config knows (`moonshot/made-up`): labelled up to this many. */
const MAX_UNKNOWN_MODELS = 50;
const MAX_PROVIDERS = 100;
const MAX_ERROR_TYPES = 100;

/** A scrape's answer. */
export interface RenderedMetrics {
  text: string;
  contentType: string;
}

/**
 * The gateway's Prometheus metrics, in a registry of its own (tests run several gateways in one
 * process). Counters and histograms move as requests finish (`observer`); gauges read their
 * sources at scrape time.
 *
 * prom-client is loaded at the first scrape, not at start-up: with the OpenTelemetry API it pulls
 * in (~100 modules), it cost ~3.5 MB of an idle gateway's memory, and the request path never needs
 * it (its counters are plain numbers, see plain-metrics.ts). So the process metrics that sample
 * over time (event-loop lag, GC pauses) start at the first scrape; the others (CPU, memory,
 * handles) read totals and are whole from the first one.
 */
export class GatewayMetrics {
  readonly observer: RequestObserver;
  /** Request-path metrics, registered in the registry when it is built. */
  private readonly plainMetrics: Metric[] = [];
  private registry: Promise<Registry> | undefined;
  private readonly models: LabelLimiter;
  private readonly providers = new LabelLimiter(MAX_PROVIDERS);
  private readonly errorTypes = new LabelLimiter(MAX_ERROR_TYPES);
  private sources: MetricsSources = {};
  private readonly children = new Map<string, Series>();

  private readonly requests: PlainCounter<'provider' | 'model' | 'status'>;
  private readonly errors: PlainCounter<'provider' | 'model' | 'type'>;
  private readonly tokens: PlainCounter<'provider' | 'model' | 'kind'>;
  private readonly cost: PlainCounter<'provider' | 'model'>;
  private readonly unpriced: PlainCounter<'provider' | 'model'>;
  private readonly latency: PlainHistogram<'provider' | 'model' | 'status'>;
  private readonly ttft: PlainHistogram<'provider' | 'model' | 'status'>;
  private readonly overhead: PlainHistogram<'provider' | 'model'>;

  constructor(private readonly options: GatewayMetricsOptions) {
    const r = { registerMetric: (metric: Metric) => void this.plainMetrics.push(metric) };
    this.models = new LabelLimiter(MAX_UNKNOWN_MODELS, (model, provider) => options.prices.knows(provider, model));
    this.requests = new PlainCounter(r, 'moongate_requests_total', 'Chat requests answered, by provider, served model and HTTP status', ['provider', 'model', 'status']);
    this.errors = new PlainCounter(r, 'moongate_request_errors_total', 'Chat requests that failed (error status or an error event mid-stream), by error type', ['provider', 'model', 'type']);
    this.tokens = new PlainCounter(r, 'moongate_tokens_total', 'Tokens reported by providers; kind is prompt, completion, cached (part of prompt) or reasoning (part of completion)', ['provider', 'model', 'kind']);
    this.cost = new PlainCounter(r, 'moongate_cost_usd_total', 'Cost of chat requests in USD, from the price catalogue', ['provider', 'model']);
    this.unpriced = new PlainCounter(r, 'moongate_unpriced_requests_total', 'Requests whose cost is unknown (no price for the model, or no usage reported)', ['provider', 'model']);
    this.latency = new PlainHistogram(r, 'moongate_request_duration_seconds', 'From arrival to the last byte sent', ['provider', 'model', 'status'], LATENCY_BUCKETS);
    this.ttft = new PlainHistogram(r, 'moongate_time_to_first_token_seconds', 'Streams: from arrival to the first chunk sent', ['provider', 'model', 'status'], TTFT_BUCKETS);
    this.overhead = new PlainHistogram(r, 'moongate_gateway_overhead_seconds', 'Time spent in the gateway itself (latency minus time waiting on the upstream)', ['provider', 'model'], OVERHEAD_BUCKETS);
    this.observer = { onRequestFinished: (outcome) => this.record(outcome) };
  }

  /** Connects the scrape-time gauges (in flight, queue, credentials, log writer) to their sources. */
  setSources(sources: MetricsSources): void {
    this.sources = { ...this.sources, ...sources };
  }

  async render(): Promise<RenderedMetrics> {
    this.registry ??= this.buildRegistry().catch((err: unknown) => {
      this.registry = undefined; // the next scrape tries again
      throw err;
    });
    const registry = await this.registry;
    return { text: await registry.metrics(), contentType: registry.contentType };
  }

  private async buildRegistry(): Promise<Registry> {
    const prom = await import('prom-client');
    const registry = new prom.Registry();
    for (const metric of this.plainMetrics) registry.registerMetric(metric);
    this.registerGauges(prom, registry);
    if (this.options.processMetrics) prom.collectDefaultMetrics({ register: registry, prefix: 'moongate_' });
    return registry;
  }

  /** Called once per finished request, on the request path: counters only, no I/O. */
  private record(o: RequestOutcome): void {
    const provider = this.providers.value(o.provider);
    const model = this.models.value(o.model, o.provider);
    const s = this.series(provider, model, String(o.status));
    s.requests.inc();
    if (o.error) this.errors.labels(provider, model, this.errorTypes.value(o.error.type)).inc();
    s.latency.observe(o.latencyMs / 1000);
    if (o.ttftMs !== undefined) s.ttft.observe(o.ttftMs / 1000);
    s.overhead.observe(o.overheadMs / 1000);
    const u = o.usage;
    if (u) {
      s.prompt.inc(u.prompt_tokens);
      s.completion.inc(u.completion_tokens);
      if (u.cached_tokens > 0) this.tokens.labels(provider, model, 'cached').inc(u.cached_tokens);
      if (u.reasoning_tokens > 0) this.tokens.labels(provider, model, 'reasoning').inc(u.reasoning_tokens);
    }
    if (o.attempts.length === 0) return; // never reached a provider: nothing to price
    // Priced once by the handler; an outcome reported without a price is priced here.
    const cost = o.cost ?? requestCost(this.options.prices, costInputOf(o));
    if (cost.total_usd === null) this.unpriced.labels(provider, model).inc();
    else if (cost.total_usd > 0) s.cost.inc(cost.total_usd);
  }

  /** The children of one (provider, model, status), kept: one lookup per request instead of seven. */
  private series(provider: string, model: string, status: string): Series {
    const key = `${provider}\u0000${model}\u0000${status}`;
    let s = this.children.get(key);
    if (!s) {
      s = {
        requests: this.requests.labels(provider, model, status),
        latency: this.latency.labels(provider, model, status),
        ttft: this.ttft.labels(provider, model, status),
        overhead: this.overhead.labels(provider, model),
        prompt: this.tokens.labels(provider, model, 'prompt'),
        completion: this.tokens.labels(provider, model, 'completion'),
        cost: this.cost.labels(provider, model),
      };
      this.children.set(key, s);
    }
    return s;
  }

  private registerGauges({ Counter, Gauge }: typeof PromClient, registry: Registry): void {
    const registers = [registry];
    // collect() runs with the metric as `this`; the sources are read through this closure.
    const sources = (): MetricsSources => this.sources;
    new Gauge({
      name: 'moongate_requests_in_flight',
      help: 'Chat requests being answered now',
      registers,
      collect() {
        this.set(sources().inFlight?.() ?? 0);
      },
    });
    new Gauge({
      name: 'moongate_router_queue_depth',
      help: 'Requests waiting for a credential with room under its limits, or for a resting deployment to come back',
      registers,
      collect() {
        this.set(sources().queueDepth?.() ?? 0);
      },
    });
    new Gauge({
      name: 'moongate_credential_state',
      help: 'Health of each provider credential: 1 for its current state (ok, cooling_down, disabled), 0 for the others',
      labelNames: ['credential', 'state'],
      registers,
      collect() {
        this.reset();
        for (const c of sources().credentials?.() ?? []) {
          for (const state of CREDENTIAL_STATES) this.set({ credential: c.credential, state }, c.state === state ? 1 : 0);
        }
      },
    });
    new Gauge({
      name: 'moongate_credential_in_flight',
      help: 'Requests in flight on each provider credential',
      labelNames: ['credential'],
      registers,
      collect() {
        this.reset();
        for (const c of sources().credentials?.() ?? []) this.set({ credential: c.credential }, c.in_flight);
      },
    });
    new Gauge({
      name: 'moongate_log_writer_backlog',
      help: 'Log records in memory, not yet written to the store or the spool',
      registers,
      collect() {
        this.set(sources().logWriter?.().backlog ?? 0);
      },
    });
    new Gauge({
      name: 'moongate_log_spool_bytes',
      help: 'Bytes of log records waiting in the spool file for the store',
      registers,
      collect() {
        this.set(sources().logWriter?.().spoolBytes ?? 0);
      },
    });
    new Gauge({
      name: 'moongate_log_store_up',
      help: '1 when the store accepts log records, 0 while they are being spooled',
      registers,
      collect() {
        const stats = sources().logWriter?.();
        this.set(stats === undefined || stats.storeHealthy ? 1 : 0);
      },
    });
    // Only with `redis` configured: a gauge that always read 0 would look like an outage.
    if (this.sources.redisUp) {
      new Gauge({
        name: 'moongate_redis_up',
        help: '1 while replicas share limits, budgets and provider health through Redis, 0 while this one counts alone',
        registers,
        collect() {
          this.set(sources().redisUp?.() ? 1 : 0);
        },
      });
    }
    const counterFromStat = (name: string, help: string, read: (s: NonNullable<ReturnType<NonNullable<MetricsSources['logWriter']>>>) => number): void => {
      let last = 0;
      new Counter({
        name,
        help,
        registers,
        collect() {
          const stats = sources().logWriter?.();
          if (!stats) return;
          const value = read(stats);
          if (value > last) this.inc(value - last);
          last = value;
        },
      });
    };
    counterFromStat('moongate_log_records_written_total', 'Log records written to the store as they came', (s) => s.written);
    counterFromStat('moongate_log_records_spooled_total', 'Log records written to the spool file (store down or too slow)', (s) => s.spooled);
    counterFromStat('moongate_log_records_replayed_total', 'Spooled log records later written to the store', (s) => s.replayed);
    counterFromStat('moongate_log_store_failures_total', 'Failed attempts to write log records to the store', (s) => s.storeFailures);
    counterFromStat('moongate_log_records_refused_total', 'Log records the store refused while it took others, set aside in the spool\'s .refused file', (s) => s.refused);
  }
}
