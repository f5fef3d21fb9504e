import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleChat } from './chat.js';
import type { ChatDeps } from './chat.js';
import { handleControl } from './control-api.js';
import type { ControlState } from './control-api.js';
import { invalidRequest, simError } from './errors.js';
import { handleBalance, handleEstimateTokens, handleGetModel, handleListModels } from './endpoints.js';
import { Exchange } from './exchange.js';
import { FaultQueue } from './faults.js';
import { FixtureStore } from './fixtures.js';
import { KeyBook } from './keys.js';
import { PromptCache } from './prompt-cache.js';
import { RateLimiter } from './rate-limits.js';
import type { RecordedRequest, SimRegion, Simulator, SimulatorOptions, SimStats } from './types.js';

const MAX_BODY_BYTES = 100 * 1024 * 1024;
const DEFAULT_MAX_RECORDED = 10_000;

/** Starts the Moonshot simulator: global platform under /v1, China under /cn/v1, on one port. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const now = options.now ?? Date.now;
  const requests: RecordedRequest[] = [];
  const stats: SimStats = { inFlight: 0, maxInFlight: 0, aborted: 0 };
  const keys = new KeyBook(options.keys);
  const faults = new FaultQueue();
  const limiter = new RateLimiter(now);
  const cache = new PromptCache();
  const fixtures = new FixtureStore();
  const deps: ChatDeps = {
    limiter,
    faults,
    fixtures,
    cache,
    latencyMs: options.latencyMs ?? 0,
    tokenDelayMs: options.tokenDelayMs ?? 0,
    now,
    retireModels: options.retireModels ?? false,
  };
  let counter = 0;
  const maxRecorded = options.maxRecordedRequests ?? DEFAULT_MAX_RECORDED;
  if (!Number.isInteger(maxRecorded) || maxRecorded < 1) throw new RangeError(`maxRecordedRequests: a whole number above 0, not ${maxRecorded}`);
  // Trimmed in batches: dropping the oldest one at a time would move the whole array on every request.
  const trimAt = maxRecorded + Math.min(maxRecorded, 1_000);

  const reset = (): void => {
    requests.length = 0;
    // inFlight reflects live connections, so it survives a reset; the high-water mark restarts from it.
    stats.maxInFlight = stats.inFlight;
    stats.aborted = 0;
    faults.clear();
    limiter.reset();
    cache.clear();
  };
  const control: ControlState = { requests, stats, faults, fixtures, reset };

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method ?? 'GET';
    const isControl = path === '/_sim' || path.startsWith('/_sim/');
    const startedAt = now();
    if (!isControl) countInFlight(res, stats);
    readBody(req)
      .then((raw) => {
        if (isControl) return handleControl(res, method, path, raw, control);
        const region: SimRegion = path === '/cn' || path.startsWith('/cn/') ? 'cn' : 'global';
        const parsed = parseBody(raw);
        const record: RecordedRequest = {
          id: `req-${++counter}`,
          method,
          path,
          region,
          authorization: req.headers.authorization,
          body: parsed.ok ? parsed.value : raw === '' ? undefined : raw,
          text: raw,
          startedAt,
          aborted: false,
          finished: false,
        };
        requests.push(record);
        if (requests.length >= trimAt) requests.splice(0, requests.length - maxRecorded);
        const ex = new Exchange(req, res, record, randomUUID());
        trackOutcome(ex, stats, options.quiet ?? false);
        return route(ex, region === 'cn' ? path.slice(3) : path, parsed, keys, deps);
      })
      .catch((err: unknown) => {
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
          res.end(JSON.stringify({ error: { message: `simulator error: ${String(err)}`, type: 'server_error' } }));
        } else {
          res.destroy();
        }
      });
  });
  server.keepAliveTimeout = 5_000;

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  // A wildcard bind is reachable on loopback; print an address clients can actually use.
  const clientHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  const url = `http://${clientHost.includes(':') ? `[${clientHost}]` : clientHost}:${port}`;

  return {
    url,
    globalBaseUrl: `${url}/v1`,
    cnBaseUrl: `${url}/cn/v1`,
    requests,
    stats,
    injectFault: (fault) => faults.push(fault),
    clearFaults: () => faults.clear(),
    reset,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** Counted from arrival, so requests still uploading their body or waiting on latency show up. */
function countInFlight(res: ServerResponse, stats: SimStats): void {
  stats.inFlight++;
  stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
  res.once('close', () => {
    stats.inFlight--;
  });
}

function trackOutcome(ex: Exchange, stats: SimStats, quiet: boolean): void {
  const { record, res } = ex;
  res.once('finish', () => {
    record.finished = true;
  });
  res.once('close', () => {
    if (!record.finished && !ex.cutByServer) {
      record.aborted = true;
      stats.aborted++;
    }
    if (!quiet) {
      const outcome = record.aborted ? 'aborted' : ex.cutByServer ? 'cut' : String(record.status ?? '-');
      console.log(`[moongate-sim] ${record.method} ${record.path} ${outcome}`);
    }
  });
}

async function route(ex: Exchange, apiPath: string, parsed: ParsedBody, keys: KeyBook, deps: ChatDeps): Promise<void> {
  if (!apiPath.startsWith('/v1/')) return ex.sendError(simError(404, 'resource_not_found_error', `Not found: ${ex.record.path}`));
  const auth = keys.authenticate(ex.req.headers.authorization, ex.record.region);
  if (!auth.ok) return ex.sendError(auth.error);
  const method = ex.record.method;

  if (apiPath === '/v1/models' && method === 'GET') return handleListModels(ex, deps);
  if (apiPath.startsWith('/v1/models/') && method === 'GET') return handleGetModel(ex, decodeURIComponent(apiPath.slice('/v1/models/'.length)), deps);
  if (apiPath === '/v1/users/me/balance' && method === 'GET') return handleBalance(ex, auth.key);

  const isChat = apiPath === '/v1/chat/completions';
  const isEstimate = apiPath === '/v1/tokenizers/estimate-token-count';
  if (!isChat && !isEstimate) return ex.sendError(simError(404, 'resource_not_found_error', `Not found: ${ex.record.path}`));
  if (method !== 'POST') return ex.sendError(simError(405, 'invalid_request_error', `Method ${method} is not allowed on ${ex.record.path}`));

  if (!parsed.ok) return ex.sendError(invalidRequest('Invalid request: the request body is not valid JSON'));
  if (isEstimate) return handleEstimateTokens(ex, parsed.value, deps);
  return handleChat(ex, auth.key, parsed.value, deps);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

type ParsedBody = { ok: true; value: unknown } | { ok: false };

/** Parsed once per request; an empty body is "no body" (undefined), not a JSON error, for GETs. */
function parseBody(raw: string): ParsedBody {
  if (raw === '') return { ok: false };
  try {
    return { ok: true, value: JSON.parse(raw) as unknown };
  } catch {
    return { ok: false };
  }
}
