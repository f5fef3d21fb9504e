import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Caller } from '../../server/auth.js';
import { decodePathPart } from '../../server/decode-path-part.js';
import { GatewayError, methodNotAllowed, sendJson } from '../../server/gateway-error.js';
import type { RouteHandler } from '../../server/http-server.js';
import { readJsonBody } from '../../server/read-json-body.js';
import { newRequestId } from '../../server/request-id.js';
import type { PriceBook } from '../../pricing/price-book.js';
import type { Store } from '../../store/store.js';
import type { BodyPolicy } from '../bodies/prepare-body.js';
import { entryToRecord } from '../entry-to-record.js';
import type { IngestContext } from '../ingest/ingest-context.js';
import { invalidBody } from '../ingest/invalid-body.js';
import type * as MoongateLogBody from '../ingest/moongate-log-body.js';
import type * as RespanLogBody from '../ingest/respan-log-body.js';
import type { LogEntry } from '../log-record.js';
import type { LogWriter } from '../log-writer.js';
import { encodeCursor } from './cursor.js';
import { parseListQuery, parseUsageQuery } from './parse-query.js';
import { asStoredText } from '../../store/sql/stored-text.js';

export interface LogRoutesDeps {
  store: Store;
  writer: LogWriter;
  prices: PriceBook;
  bodies: BodyPolicy;
  providerNames: ReadonlySet<string>;
  maxBodyBytes: number;
  now?: () => number;
}

// The ingestion bodies' zod schemas are loaded with the first ingested record, not at start-up:
// zod is ~10 MB the request path never needs.
const moongateBody = (): Promise<typeof MoongateLogBody> => import('../ingest/moongate-log-body.js');
const respanBody = (): Promise<typeof RespanLogBody> => import('../ingest/respan-log-body.js');

/**
 * The log API: `GET /v1/logs` (filters, cursor paging, newest first), `GET /v1/logs/{id}`,
 * `GET /v1/usage`, and ingestion without proxying: `POST /v1/logs` (our record fields, one or an
 * array) and `POST /api/request-logs/create/` (Respan's body). A gateway key sees and owns only
 * its own records; the master key (or open mode) sees all.
 */
export function logRoutes(deps: LogRoutesDeps): RouteHandler {
  const now = deps.now ?? Date.now;
  // Sender-given ids of records being ingested right now: two requests racing with one id must
  // not both pass the store check before either is written.
  const ingesting = new Set<string>();
  return async (req, res, path, method, caller) => {
    if (path === '/v1/logs') {
      if (method === 'GET') return listLogs(req, res, caller, deps);
      if (method === 'POST') return ingest(req, res, caller, deps, now(), 'moongate', ingesting);
      throw methodNotAllowed(method, path, ['GET', 'POST']);
    }
    if (path.startsWith('/v1/logs/')) {
      if (method !== 'GET') throw methodNotAllowed(method, path, ['GET']);
      return getLog(res, decodePathPart(path.slice('/v1/logs/'.length), 'log id'), caller, deps);
    }
    if (path === '/v1/usage') {
      if (method !== 'GET') throw methodNotAllowed(method, path, ['GET']);
      return usage(req, res, caller, deps, now());
    }
    if (path === '/api/request-logs/create') {
      if (method !== 'POST') throw methodNotAllowed(method, path, ['POST']);
      return ingest(req, res, caller, deps, now(), 'respan', ingesting);
    }
    return false;
  };
}

async function listLogs(req: IncomingMessage, res: ServerResponse, caller: Caller, deps: LogRoutesDeps): Promise<true> {
  const query = parseListQuery(searchParams(req), deps.providerNames);
  if (!scopeTo(query, readScope(caller))) {
    sendJson(res, 200, { object: 'list', data: [], next_cursor: null });
    return true;
  }
  const page = await fromStore(() => deps.store.logs.list(query));
  sendJson(res, 200, { object: 'list', data: page.records, next_cursor: page.next ? encodeCursor(page.next) : null });
  return true;
}

/**
 * A gateway key reads only its own records: the query is narrowed to it. False when it asked for
 * another key's (`key_id=…`): nothing matches, rather than its own records under another filter.
 */
function scopeTo(query: { key_id?: string }, own: string | undefined): boolean {
  if (own === undefined) return true;
  if (query.key_id !== undefined && query.key_id !== own) return false;
  query.key_id = own;
  return true;
}

async function getLog(res: ServerResponse, id: string, caller: Caller, deps: LogRoutesDeps): Promise<true> {
  const own = readScope(caller);
  const record = await fromStore(() => deps.store.logs.get(id));
  if (!record || (own !== undefined && record.key_id !== own)) {
    throw new GatewayError(404, `No log record with id \`${id}\`. Records are written within a fraction of a second of the request finishing.`, {
      code: 'log_not_found',
      param: 'id',
    });
  }
  sendJson(res, 200, record);
  return true;
}

async function usage(req: IncomingMessage, res: ServerResponse, caller: Caller, deps: LogRoutesDeps, now: number): Promise<true> {
  const query = parseUsageQuery(searchParams(req), deps.providerNames, now);
  const rows = scopeTo(query, readScope(caller)) ? await fromStore(() => deps.store.logs.usage(query)) : [];
  sendJson(res, 200, {
    object: 'usage',
    group_by: query.group_by,
    interval: query.interval,
    from: new Date(query.from_ms).toISOString(),
    to: new Date(query.to_ms).toISOString(),
    data: rows.map(({ bucket_ms, ...row }) => ({ bucket: new Date(bucket_ms).toISOString(), ...row })),
  });
  return true;
}

async function ingest(
  req: IncomingMessage,
  res: ServerResponse,
  caller: Caller,
  deps: LogRoutesDeps,
  now: number,
  format: 'moongate' | 'respan',
  ingesting: Set<string>,
): Promise<true> {
  const body = await readJsonBody(req, deps.maxBodyBytes);
  const ctx: IngestContext = {
    prices: deps.prices,
    bodies: deps.bodies,
    providerNames: deps.providerNames,
    keyId: ownKeyId(caller) ?? null,
    key: caller.kind === 'key' ? caller.key : undefined,
    now,
    // Time-ordered like the gateway's own ids: inserts land at the end of the key index.
    newId: () => `log_${newRequestId()}`,
  };
  let entries: LogEntry[];
  let single = true;
  let claimed: string[] = [];
  if (format === 'respan') {
    const { entryFromRespanLog, parseRespanLog } = await respanBody();
    entries = [entryFromRespanLog(parseRespanLog(body), ctx)];
  } else {
    const { entryFromMoongateLog, moongateLogSchema, moongateBatchSchema } = await moongateBody();
    // One record, or an array of them; parsed apart so that errors name the field plainly.
    single = !Array.isArray(body);
    const parsed = single ? moongateLogSchema.safeParse(body) : moongateBatchSchema.safeParse(body);
    if (!parsed.success) throw invalidBody(parsed.error, 'log record');
    const bodies = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
    entries = bodies.map((b) => entryFromMoongateLog(b, ctx));
    claimed = await claimIds(bodies.map((b) => b.id), single, deps, ingesting);
  }
  // Answer once the records are stored or safely spooled: a 201 means they will not be lost.
  try {
    await deps.writer.write(entries);
  } finally {
    for (const id of claimed) ingesting.delete(id);
  }
  const records = entries.map((entry) => entryToRecord(asStored(entry)));
  sendJson(res, 201, single ? records[0] : { object: 'list', data: records });
  return true;
}

/**
 * Ids given by the sender must be new: the store keeps the first record of an id (so that a spool
 * replayed twice writes nothing twice), and answering 201 with a record that was not stored would
 * be a lie. While the store cannot be asked, its check is skipped rather than the record refused.
 * Returns the ids claimed in `ingesting`, which the caller releases once the records are written.
 */
async function claimIds(ids: (string | undefined)[], single: boolean, deps: LogRoutesDeps, ingesting: Set<string>): Promise<string[]> {
  const given = new Map<string, string>();
  for (const [i, id] of ids.entries()) {
    if (id === undefined) continue;
    const param = single ? 'id' : `${i}.id`;
    if (given.has(id)) throw new GatewayError(400, `Log record id \`${id}\` is given twice in this request.`, { code: 'invalid_log', param });
    given.set(id, param);
  }
  const taken = (id: string, param: string): GatewayError =>
    new GatewayError(409, `A log record with id \`${id}\` exists already; records are not replaced.`, { type: 'invalid_request_error', code: 'log_exists', param });
  // Claimed before the store is asked, so that a concurrent request with the same id waits for nothing and is refused.
  for (const [id, param] of given) if (ingesting.has(id)) throw taken(id, param);
  for (const id of given.keys()) ingesting.add(id);
  try {
    for (const [id, param] of given) {
      const existing = await deps.store.logs.get(id).catch(() => undefined);
      if (existing) throw taken(id, param);
    }
  } catch (err) {
    for (const id of given.keys()) ingesting.delete(id);
    throw err;
  }
  return [...given.keys()];
}

/** The text columns of a record; JSON columns (metadata, attempts, bodies) keep every character escaped. */
const TEXT_FIELDS = ['key_id', 'customer_identifier', 'user', 'trace_id', 'provider', 'credential', 'model_requested', 'model', 'error_type', 'error_message'] as const;

/**
 * The entry as the store keeps it, for the 201 that promises the stored record: a text column
 * holds a NUL (which the driver would cut text at) and an unpaired surrogate (which UTF-8 cannot
 * hold) as U+FFFD, and the answer said otherwise. (Ids with either are refused before this.)
 */
function asStored(entry: LogEntry): LogEntry {
  let copy: LogEntry | undefined;
  for (const field of TEXT_FIELDS) {
    const value = entry[field];
    if (typeof value !== 'string') continue;
    const stored = asStoredText(value);
    if (stored === value) continue;
    copy ??= { ...entry };
    copy[field] = stored;
  }
  return copy ?? entry;
}

/** A gateway key's own id: it sees and writes only its own records. */
function ownKeyId(caller: Caller): string | undefined {
  return caller.kind === 'key' ? caller.key.id : undefined;
}

/**
 * Whose records a caller may read: a gateway key its own (its id), the master key all
 * (undefined). In open local mode everything is readable from this machine only, as the admin
 * routes are: logs hold every prompt and answer.
 */
function readScope(caller: Caller): string | undefined {
  if (caller.kind === 'open' && !caller.local) {
    throw new GatewayError(403, 'Logs are served to this machine only in open local mode, addressed as localhost or 127.0.0.1; set master_key to read them remotely.', {
      type: 'permission_error',
      code: 'admin_only',
    });
  }
  return ownKeyId(caller);
}

/**
 * A query the store could not answer: 503 `store_unavailable` with `retry-after: 1`, as key lookups
 * and /admin/keys answer a store that is down (server/store-failure.ts): a client told when to come
 * back need not guess, and an outage looks the same on every route.
 */
async function fromStore<T>(query: () => Promise<T>): Promise<T> {
  try {
    return await query();
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw new GatewayError(503, `The log store is not available: ${err instanceof Error ? err.message : String(err)}`, {
      type: 'api_error',
      code: 'store_unavailable',
      headers: { 'retry-after': '1' },
    });
  }
}

function searchParams(req: IncomingMessage): URLSearchParams {
  return new URL(req.url ?? '/', 'http://localhost').searchParams;
}

