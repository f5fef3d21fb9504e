import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayConfig } from './config/types.js';
import { DEFAULT_DRAIN_TIMEOUT_MS } from './config/defaults.js';
import { MoonshotProvider } from './providers/moonshot/moonshot-provider.js';
import { InMemoryReasoningMemory } from './providers/moonshot/reasoning-memory.js';
import type { ReasoningMemory } from './providers/moonshot/reasoning-memory.js';
import { OpenAICompatibleProvider } from './providers/openai-compatible/openai-compatible-provider.js';
import type { Provider } from './providers/types.js';
import type { RequestCost, RequestCostInput } from './pricing/request-cost.js';
import { InMemoryKeyStore } from './keys/key-store.js';
import type { KeyStore } from './keys/key-store.js';
import { VirtualKeys } from './keys/virtual-keys.js';
import { InMemoryCredentialRepository } from './credentials/credential-repository.js';
import type { CredentialRepository } from './credentials/credential-repository.js';
import { StoredCredentials } from './credentials/stored-credentials.js';
import { Admission } from './router/admission.js';
import { DeploymentHealth } from './router/deployment-health.js';
import { InMemoryLimitCounters } from './router/limit-counters.js';
import type { LimitCounters } from './router/limit-counters.js';
import { Router } from './router/router.js';
import type { SharedState, SharedStateOptions } from './redis/shared-state.js';
import { InFlightRequests, createHttpServer } from './server/http-server.js';
import type { ReadinessCheck, RouteHandler } from './server/http-server.js';
import type { RequestForLog, RequestObserver } from './server/request-outcome.js';
import { UpstreamPools } from './upstream/pool.js';
import { openObservability } from './logs/observability.js';
import type { Observability, ObservabilityOptions } from './logs/observability.js';

export interface GatewayOptions {
  reasoningMemory?: ReasoningMemory;
  /** Told about every finished chat request (logs, metrics). */
  observers?: RequestObserver[];
  /** Extra HTTP routes (logs API, admin, metrics). */
  routes?: RouteHandler[];
  /** Per-credential limit counters; in memory unless a shared store is given. */
  limitCounters?: LimitCounters;
  /** Extra checks for GET /health/ready (e.g. the store); a check that throws makes the gateway not ready. */
  readinessChecks?: ReadinessCheck[];
  /** Where gateway keys live; in memory (lost on restart) unless the store provides one. */
  keyStore?: KeyStore;
  /** Prices each finished request (key budgets, logs, metrics); without one, keys are never charged. */
  priceRequest?: (input: RequestCostInput) => RequestCost | undefined;
  /** What the log stores of a request's body: given, a stream lets go of the rest once its first chunk is out. */
  requestForLog?: RequestForLog;
  /** Where provider keys added at run time live (encrypted); in memory unless the store provides one. */
  credentialRepository?: CredentialRepository;
  /** Encrypts stored provider keys; defaults to $MOONGATE_SECRET. Without it, none can be stored. */
  secret?: string;
  /** With the `redis` key: its key prefix (tests give each run its own), timeouts (see loadSharedState). */
  shared?: SharedStateOptions;
  /** With the `redis` key, required: what replicas share, from loadSharedState. */
  sharedState?: SharedState;
}

export interface Gateway {
  config: GatewayConfig;
  server: Server;
  router: Router;
  keys: VirtualKeys;
  /** Provider keys added at run time; `load()` them once the store is open. */
  credentials: StoredCredentials;
  inFlight: InFlightRequests;
  /** What replicas share through Redis; undefined without the `redis` key. */
  shared: SharedState | undefined;
  /** Starts listening; resolves with the address clients should use. */
  listen(port?: number, host?: string): Promise<string>;
  /** Stops accepting, waits up to `drainTimeoutMs` for requests in flight, then closes everything. */
  close(drainTimeoutMs?: number): Promise<void>;
}

/** Wires config → providers → router → HTTP server. Nothing listens until `listen`. */
export function createGateway(config: GatewayConfig, options: GatewayOptions = {}): Gateway {
  const memory = options.reasoningMemory ?? new InMemoryReasoningMemory();
  const providers = new Map<string, Provider>();
  for (const p of Object.values(config.providers)) {
    providers.set(p.name, p.type === 'moonshot' ? new MoonshotProvider(p, memory) : new OpenAICompatibleProvider(p));
  }
  const pools = new UpstreamPools(config.router.connect_timeout_ms);
  const health = new DeploymentHealth({
    fails: config.router.cooldown.fails,
    cooldownMs: config.router.cooldown.seconds * 1000,
    windowMs: config.router.cooldown.window_seconds * 1000,
    recheckMs: config.router.disabled_recheck_seconds * 1000,
    probeTimeoutMs: Math.min(config.router.timeout_ms, config.router.first_token_timeout_ms),
  });
  // Without `redis`, nothing of this is created and requests count in this process as before.
  const shared = options.sharedState;
  if (config.redis !== undefined && shared === undefined) throw new Error('the `redis` key needs its shared state: createGateway(config, { sharedState: await loadSharedState(config) })');
  shared?.shareHealth(health);
  const counters = options.limitCounters ?? shared?.counters ?? new InMemoryLimitCounters();
  const keys = new VirtualKeys(options.keyStore ?? new InMemoryKeyStore(), counters, Date.now, shared?.budgets);
  const admission = new Admission(counters, {
    maxWaitMs: config.router.max_queue_wait_ms,
    maxQueueSize: config.router.max_queue_size,
  });
  const router = new Router(config, providers, pools, { health, admission });
  const credentials = new StoredCredentials(options.credentialRepository ?? new InMemoryCredentialRepository(), config, options.secret ?? process.env.MOONGATE_SECRET, () =>
    router.credentialsChanged(),
  );
  const inFlight = new InFlightRequests();
  const server = createHttpServer(
    {
      config,
      router,
      keys,
      credentials,
      priceRequest: options.priceRequest ?? (() => undefined),
      observers: options.observers ?? [],
      requestForLog: options.requestForLog,
      routes: options.routes ?? [],
      readinessChecks: [...(options.readinessChecks ?? []), ...(shared ? [shared.readinessCheck] : [])],
    },
    inFlight,
  );

  return {
    config,
    server,
    router,
    keys,
    credentials,
    shared,
    async listen(port = config.server.port, host = config.server.host) {
      // Redis reachable at start: limits are shared from the first request. Not reachable: no wait.
      await shared?.settled(1_000);
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const addr = server.address() as AddressInfo;
          const shownHost = addr.address === '0.0.0.0' || addr.address === '::' ? '127.0.0.1' : addr.address;
          resolve(`http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${addr.port}`);
        });
      });
    },
    inFlight,
    async close(drainTimeoutMs = DEFAULT_DRAIN_TIMEOUT_MS) {
      // Stop accepting, let requests in flight finish (streams included), then drop idle keep-alives.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await inFlight.drained(drainTimeoutMs);
      // Past the drain time: stop what is left with an error event or answer its client can read
      // (rather than a cut mid-chunk), give that a moment to be written, then close the rest.
      if (inFlight.current > 0) {
        inFlight.stopAll();
        await inFlight.drained(1_000);
      }
      server.closeAllConnections();
      await closed;
      await pools.close();
      await shared?.close();
    },
  };
}

/**
 * What replicas share through Redis, for the `redis` key; undefined without it. Its code (ioredis,
 * the Lua scripts, the shared health) is loaded only then: ~0.5 MB of a gateway's idle memory.
 */
export async function loadSharedState(config: GatewayConfig, options?: SharedStateOptions): Promise<SharedState | undefined> {
  if (config.redis === undefined) return undefined;
  const { SharedState } = await import('./redis/shared-state.js');
  return new SharedState(config.redis, options);
}

export interface GatewayWithStore extends Gateway {
  /** The store, log writer and metrics behind the logs API and /metrics. */
  observability: Observability;
}

/**
 * The gateway as `moongate start` runs it: opens the store (`store:`), which also keeps gateway
 * keys and stored provider credentials (loaded back into rotation here); records every request
 * in the logs (with cost) and in the metrics; serves the log, usage, ingestion and /metrics
 * routes; reports the store in /health/ready; and on close flushes the logs after requests have
 * drained.
 */
export async function createGatewayWithStore(config: GatewayConfig, options: GatewayOptions & ObservabilityOptions = {}): Promise<GatewayWithStore> {
  const observability = await openObservability(config, options);
  let gateway: Gateway;
  let sharedState: SharedState | undefined;
  try {
    sharedState = options.sharedState ?? (await loadSharedState(config, options.shared));
    gateway = createGateway(config, {
      ...options,
      sharedState,
      observers: [...observability.observers, ...(options.observers ?? [])],
      routes: [...observability.routes, ...(options.routes ?? [])],
      readinessChecks: [...observability.readinessChecks, ...(options.readinessChecks ?? [])],
      priceRequest: options.priceRequest ?? ((input) => observability.priceRequest(input)),
      requestForLog: options.requestForLog ?? observability.requestForLog,
      keyStore: options.keyStore ?? observability.store.keys,
      credentialRepository: options.credentialRepository ?? observability.store.credentials,
    });
  } catch (err) {
    await sharedState?.close();
    await observability.close();
    throw err;
  }
  try {
    await gateway.credentials.load();
  } catch (err) {
    await gateway.close(0);
    await observability.close();
    throw err;
  }
  observability.attach(gateway);
  return {
    ...gateway,
    observability,
    async close(drainTimeoutMs?: number) {
      try {
        await gateway.close(drainTimeoutMs);
      } finally {
        // Whatever failed in closing the rest (Redis, say), the queued log records are still written.
        await observability.close();
      }
    },
  };
}
