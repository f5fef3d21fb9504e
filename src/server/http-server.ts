import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { newRequestId } from './request-id.js';
import type { GatewayConfig } from '../config/types.js';
import type { Router } from '../router/router.js';
import { answerClientError } from './answer-client-error.js';
import { authenticate, isOperator } from './auth.js';
import type { Caller } from './auth.js';
import { handleAdminKeys } from './admin-keys.js';
import { handleAdminCredentials } from './admin-credentials.js';
import type { StoredCredentials } from '../credentials/stored-credentials.js';
import type { VirtualKeys } from '../keys/virtual-keys.js';
import type { RequestCost, RequestCostInput } from '../pricing/request-cost.js';
import { handleChatCompletions } from './chat-completions.js';
import { holdBody } from './expect-continue.js';
import { GatewayError, methodNotAllowed, sendError, sendJson, toGatewayError } from './gateway-error.js';
import { ModelListing } from './list-models.js';
import { handleModels } from './models-routes.js';
import { readiness } from './readiness.js';
import { serveUi } from './ui-routes.js';
import { CallbackList } from './callback-list.js';
import { DefaultTiers } from '../pricing/default-tiers.js';
import { applyCors, CorsPolicy } from './cors.js';
import type { ReadinessCheck } from './readiness.js';
import type { RequestForLog, RequestObserver } from './request-outcome.js';

const CHAT_PATHS = new Set(['/v1/chat/completions', '/chat/completions', '/api/chat/completions']);
/** Idle time before the first TCP keep-alive probe on a client connection (then again per idle stretch). */
export const CLIENT_TCP_KEEPALIVE_MS = 30_000;

export interface HttpServerDeps {
  config: GatewayConfig;
  router: Router;
  keys: VirtualKeys;
  credentials: StoredCredentials;
  priceRequest: (input: RequestCostInput) => RequestCost | undefined;
  observers: readonly RequestObserver[];
  /** What the log stores of a request's body; undefined: no log (see ChatHandlerDeps). */
  requestForLog?: RequestForLog;
  /** Routes other modules serve (logs, admin, metrics…); the first that returns true has handled it. */
  routes: readonly RouteHandler[];
  readinessChecks: readonly ReadinessCheck[];
}

export type { ReadinessCheck } from './readiness.js';

/**
 * Handles a request if it is its route (returns true), else returns false without touching it.
 * `caller` is who sent it (already authenticated: open mode, master key or a gateway key).
 */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, path: string, method: string, caller: Caller) => Promise<boolean>;

/** Requests being answered right now: for draining on shutdown and for metrics. */
export class InFlightRequests {
  private count = 0;
  private waiters: (() => void)[] = [];
  /** How to stop each chat request in flight (the chat handler adds and removes its own). */
  readonly stops = new CallbackList();

  get current(): number {
    return this.count;
  }

  started(): void {
    this.count++;
  }

  finished(): void {
    this.count--;
    if (this.count === 0) this.wakeDrains();
  }

  /** Stops every chat request in flight: each ends with an error its client can read, and is logged. */
  stopAll(): void {
    this.stops.callAll();
  }

  /**
   * Stops every chat request in flight and ends a drain's wait at once (a second signal, an internal
   * error): the close under way then stops or cuts whatever else is left (a slow upload, say).
   */
  hurry(): void {
    this.stopAll();
    this.wakeDrains();
  }

  private wakeDrains(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Resolves when no request is in flight, or after `timeoutMs` (or `hurry`). */
  drained(timeoutMs: number): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/** The gateway's HTTP surface: a small route table over node:http, no framework on the hot path. */
export function createHttpServer(deps: HttpServerDeps, inFlight: InFlightRequests): Server {
  const { config } = deps;
  const chatDeps = {
    router: deps.router,
    keys: deps.keys,
    priceRequest: deps.priceRequest,
    maxBodyBytes: config.server.max_body_mb * 1024 * 1024,
    captureResponses: config.logging.bodies !== 'off',
    idleTimeoutMs: config.router.idle_timeout_ms,
    streamKeepAliveMs: config.router.stream_keepalive_ms,
    observers: deps.observers,
    requestForLog: deps.requestForLog,
    shutdownStops: inFlight.stops,
    defaultTiers: new DefaultTiers(),
  };

  const models = new ModelListing(config);
  const cors = new CorsPolicy(config.server.cors_origins);
  // TCP keep-alive probes on idle client connections: a JSON answer from a model that thinks for
  // minutes sends nothing meanwhile, and a NAT or firewall between client and gateway drops a
  // connection idle past its own timeout (2 to 6 minutes on common clouds), leaving the client
  // waiting for an answer that can no longer reach it. Probes keep such a path open.
  const server = createServer({ keepAlive: true, keepAliveInitialDelay: CLIENT_TCP_KEEPALIVE_MS }, (req, res) => {
    inFlight.started();
    // A stream's response ends in the callback of its last write, so 'close' can come before the
    // handler's tail (log record, key charge) has run; that tail runs before the next turn of the
    // event loop, and closing waits for the server's close callback, a later turn. An await added
    // between the pipe and the report would need the count to follow the handler instead.
    res.once('close', () => inFlight.finished());
    const requestId = newRequestId();
    handle(req, res, requestId).catch((err: unknown) => sendError(res, toGatewayError(err, requestId), { 'x-moongate-request-id': requestId, 'x-request-id': requestId }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const path = pathOf(req.url);
    // HEAD is GET without the body (node:http leaves the body out): load balancers check with it.
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
    if (applyCors(req, res, path, cors)) return;

    if (path === '/health/live') return sendJson(res, 200, { status: 'ok' });
    if (path === '/health/ready') {
      const report = await readiness(config, deps.router, deps.readinessChecks);
      // Credential details (names, upstream error texts) only for the operator, as the admin routes.
      const detailed = await authenticate(req, config.master_key, deps.keys).then(isOperator, () => false);
      const body = detailed ? report : { status: report.status, checks: report.checks };
      return sendJson(res, report.status === 'ok' ? 200 : 503, body);
    }

    // The dashboard's static files are public; the APIs it calls check the key.
    if (await serveUi(req, res, path, method)) return;
    if (CHAT_PATHS.has(path)) {
      if (method !== 'POST') throw methodNotAllowed(req.method ?? method, path, ['POST']);
      // Authenticated inside, so that a rejected key is logged like any other failed request.
      return handleChatCompletions(req, res, requestId, () => authenticate(req, config.master_key, deps.keys), chatDeps);
    }
    const caller = await authenticate(req, config.master_key, deps.keys);
    if (await handleModels(res, path, method, caller, models)) return;
    if (await handleAdminKeys(req, res, path, method, caller, deps.keys)) return;
    if (await handleAdminCredentials(req, res, path, method, caller, { config, credentials: deps.credentials, health: deps.router.health })) return;
    for (const route of deps.routes) {
      if (await route(req, res, path, method, caller)) return;
    }
    throw new GatewayError(404, `Unknown route ${req.method ?? method} ${path}. The gateway serves POST /v1/chat/completions, GET /v1/models and GET /health/live.`, {
      type: 'invalid_request_error',
      code: 'unknown_route',
    });
  }

  // Keep-alive longer than typical client pools so idle connections are closed by the client side.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  // Receiving the request (headers and body) only: a streamed answer may last far longer. Without
  // it, a client that stops sending its body holds a connection, and shutdown, for ever.
  server.requestTimeout = 300_000;
  server.on('clientError', answerClientError);
  // `Expect: 100-continue`: the body is invited only by the handler that reads it (inviteBody),
  // once the route, the key and the route's size limit are checked.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    holdBody(req, res);
    server.emit('request', req, res);
  });
  return server;
}

function pathOf(url: string | undefined): string {
  if (!url) return '/';
  // HTTP/1.1 servers must accept the absolute form (`POST http://host/v1/chat/completions`).
  if (url.charCodeAt(0) !== 47 /* '/' */ && /^https?:\/\//i.test(url)) url = url.replace(/^https?:\/\/[^/?#]*/i, '') || '/';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

