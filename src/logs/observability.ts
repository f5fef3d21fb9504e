import type { Server } from 'node:http';
import { catalogueModels } from '../catalogue/catalogue.js';
import type { GatewayConfig } from '../config/types.js';
import { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { countChatInFlight } from '../metrics/chat-in-flight.js';
import { metricsRoute } from '../metrics/metrics-route.js';
import { PriceBook } from '../pricing/price-book.js';
import { requestCost } from '../pricing/request-cost.js';
import type { RequestCost, RequestCostInput } from '../pricing/request-cost.js';
import type { Router } from '../router/router.js';
import type { ReadinessCheck, RouteHandler } from '../server/http-server.js';
import type { RequestForLog, RequestObserver } from '../server/request-outcome.js';
import { openStore } from '../store/open-store.js';
import type { OpenStoreOptions } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { defaultSpoolPath, parseStoreUrl } from '../store/store-url.js';
import { prepareBody } from './bodies/prepare-body.js';
import type { BodyPolicy } from './bodies/prepare-body.js';
import { logEntryFromOutcome } from './entry-from-outcome.js';
import { logRoutes } from './http/logs-routes.js';
import { LogWriter } from './log-writer.js';
import type { LogWriterOptions } from './log-writer.js';
import { RetentionSweeper } from './retention.js';
import type { SharedState } from '../redis/shared-state.js';
import { Spool } from './spool.js';

export interface ObservabilityOptions {
  /** A store already open (tests wrap one to make it fail); otherwise the config's `store:` is opened. */
  store?: Store;
  storeThread?: OpenStoreOptions['thread'];
  /** Default: next to the database file. */
  spoolPath?: string;
  writer?: Partial<LogWriterOptions>;
  /** Overrides `logging.retention_days`; null keeps records forever. */
  retentionDays?: number | null;
  /** Node process metrics in /metrics (default true). */
  processMetrics?: boolean;
}

/** Logs, cost and metrics for one gateway: what `createGatewayWithStore` plugs into `createGateway`. */
export interface Observability {
  store: Store;
  writer: LogWriter;
  metrics: GatewayMetrics;
  prices: PriceBook;
  spoolPath: string;
  retentionDays: number | null;
  observers: RequestObserver[];
  routes: RouteHandler[];
  readinessChecks: ReadinessCheck[];
  /** Prices a finished request against the price book (key budgets, log records, metrics). */
  priceRequest(input: RequestCostInput): RequestCost;
  /** A request's body as its log record will store it (`logging.bodies`, `logging.max_body_kb`). */
  requestForLog: RequestForLog;
  /** Connects the gauges to the running gateway (requests in flight, queue, credentials). */
  attach(gateway: { server: Server; router: Router; config: GatewayConfig; shared: SharedState | undefined }): void;
  /** Shutdown: stops retention, writes every queued record (to the store or the spool), closes the store. */
  close(): Promise<void>;
}

export async function openObservability(config: GatewayConfig, options: ObservabilityOptions = {}): Promise<Observability> {
  const prices = new PriceBook(config.providers, config.pricing);
  const bodies: BodyPolicy = { mode: config.logging.bodies, maxBytes: config.logging.max_body_kb * 1024 };
  const store = options.store ?? (await openStore(config.store, { thread: options.storeThread }));
  const spoolPath = options.spoolPath ?? defaultSpoolPath(parseStoreUrl(config.store));
  const writer = new LogWriter(store.logs, new Spool(spoolPath), (outcome) => logEntryFromOutcome(outcome, { prices, bodies }), options.writer);
  try {
    await writer.start();
  } catch (err) {
    if (!options.store) await store.close();
    throw err;
  }
  const retentionDays = options.retentionDays !== undefined ? options.retentionDays : retentionFromConfig(config);
  const retention = retentionDays === null ? undefined : new RetentionSweeper(store.logs, { days: retentionDays });
  retention?.start();

  const metrics = new GatewayMetrics({ prices, processMetrics: options.processMetrics ?? true });
  metrics.setSources({ logWriter: () => writer.stats });
  // `provider/model` is split on configured providers and on those the price catalogue knows, so
  // that logs sent in as `openai/gpt-4o` read like proxied ones.
  const providerNames = new Set([...Object.keys(config.providers), ...catalogueModels().map((m) => m.provider)]);

  return {
    store,
    writer,
    metrics,
    prices,
    spoolPath,
    retentionDays,
    observers: [{ onRequestFinished: (outcome) => writer.enqueueOutcome(outcome) }, metrics.observer],
    routes: [
      logRoutes({ store, writer, prices, bodies, providerNames, maxBodyBytes: config.server.max_body_mb * 1024 * 1024 }),
      metricsRoute(metrics),
    ],
    readinessChecks: [
      { name: 'store', check: () => store.ping() },
      {
        // The store can answer a ping and still refuse writes (another process holds its lock).
        name: 'log_writes',
        critical: false,
        check: async () => {
          const stats = writer.stats;
          if (stats.spoolFailing) throw new Error(`neither the store nor the spool file ${spoolPath} is accepting log records; ${stats.backlog} wait in memory`);
          if (!stats.storeHealthy) throw new Error(`the store is not accepting log records; they are spooled to ${spoolPath} (${stats.spoolBytes} bytes waiting)`);
        },
      },
    ],
    priceRequest: (input) => requestCost(prices, input),
    requestForLog: (request, text) => prepareBody(request, bodies, text),
    attach({ server, router, config: cfg, shared }) {
      metrics.setSources({
        inFlight: countChatInFlight(server),
        queueDepth: () => router.waiting,
        // Listed at each scrape, not once here: /admin/credentials adds and removes credentials
        // in the config's provider lists while the gateway runs (as /health/ready reads them).
        credentials: () =>
          router.health.snapshot(credentialKeysOf(cfg)).map((s) => ({ credential: s.credential, state: s.state, in_flight: router.admission.inFlight(s.credential) })),
        ...(shared ? { redisUp: () => shared.link.usable } : {}),
      });
    },
    async close() {
      await retention?.stop();
      await writer.close();
      if (!options.store) await store.close();
    },
  };
}

/** `provider/name` of every credential the gateway has now, configured or stored. */
function credentialKeysOf(config: GatewayConfig): string[] {
  return Object.values(config.providers).flatMap((p) => p.credentials.map((c) => `${p.name}/${c.name}`));
}

/** `logging.retention_days`: days to keep records; unset keeps them forever. */
function retentionFromConfig(config: GatewayConfig): number | null {
  return config.logging.retention_days ?? null;
}
