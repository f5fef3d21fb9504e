import { callGateway, expectShape, gatewayErrorMessage, masterKeyHint } from '../../cli/admin-client.js';
import type { LogRecord } from '../log-record.js';
import { existsSync } from 'node:fs';
import { openStore } from '../../store/open-store.js';
import { MEMORY, parseStoreUrl } from '../../store/store-url.js';
import type { LogFilter, LogPosition, Store } from '../../store/store.js';
import { decodeCursor, encodeCursor } from '../http/cursor.js';
import { splitModel } from '../http/parse-query.js';

/** The gateway refused the read (a 4xx: the key, the filter): trying again would not help. */
export class LogReadRefused extends Error {}

/** One page of records, newest first, for `moongate logs`. */
export interface LogReader {
  page(filter: LogFilter, limit: number, after?: LogPosition): Promise<{ records: LogRecord[]; next?: LogPosition }>;
  close(): Promise<void>;
}

/**
 * Reads from a running gateway's `GET /v1/logs` (bodies left out). `keyFlag` is named in a 401's hint;
 * `signal` stops a request in flight (Ctrl-C must not wait for a gateway that does not answer).
 */
export function httpLogReader(baseUrl: string, apiKey: string | undefined, keyFlag = '--api-key', signal?: AbortSignal): LogReader {
  const root = baseUrl.replace(/\/+$/, '');
  return {
    async page(filter, limit, after) {
      const params = new URLSearchParams({ limit: String(limit), bodies: 'false' });
      if (filter.model !== undefined) params.set('model', filter.provider !== undefined ? `${filter.provider}/${filter.model}` : filter.model);
      else if (filter.provider !== undefined) params.set('provider', filter.provider);
      if (filter.key_id !== undefined) params.set('key_id', filter.key_id);
      if (filter.customer !== undefined) params.set('customer', filter.customer);
      if (filter.status !== undefined) params.set('status', String(filter.status));
      if (filter.from_ms !== undefined) params.set('from', String(Math.floor(filter.from_ms)));
      if (after) params.set('cursor', encodeCursor(after));
      const answer = await callGateway(root, 'GET', `/v1/logs?${params}`, apiKey ? { authorization: `Bearer ${apiKey}` } : {}, undefined, signal ? { signal } : {});
      if (answer.status !== 200) {
        const hint = answer.status === 401 ? ` ${masterKeyHint(apiKey, keyFlag)}` : '';
        const message = `${root} answered ${answer.status}: ${gatewayErrorMessage(answer.json) ?? 'no message'}${hint}`;
        throw answer.status >= 400 && answer.status < 500 ? new LogReadRefused(message) : new Error(message);
      }
      const body = expectShape(answer, root, { data: 'array' }) as { data: LogRecord[]; next_cursor?: string | null };
      return { records: body.data, ...(body.next_cursor ? { next: decodeCursor(body.next_cursor) } : {}) };
    },
    async close() {},
  };
}

/** Reads the store directly (`--store sqlite:…`), for when no gateway is running. */
export async function storeLogReader(storeUrl: string): Promise<LogReader> {
  // Only SQLite can be read in this version: say so, rather than list kinds of store it cannot read.
  if (!storeUrl.startsWith('sqlite:')) {
    throw new Error(`--store must be "sqlite:PATH", e.g. sqlite:./.moongate/moongate.db (got ${JSON.stringify(storeUrl)})`);
  }
  // Reading only: a mistyped path must say so, not create an empty database (and its folders).
  const location = parseStoreUrl(storeUrl);
  if (location.kind === 'sqlite' && location.path !== MEMORY && !existsSync(location.path)) {
    throw new Error(`there is no log store at ${location.path} (from --store ${storeUrl}); a gateway creates it on its first start`);
  }
  const store: Store = await openStore(storeUrl, { thread: 'main' });
  const split = new Map<string, LogFilter>();
  return {
    async page(filter, limit, after) {
      const model = filter.model;
      if (model !== undefined && filter.provider === undefined) {
        let known = split.get(model);
        if (!known) split.set(model, (known = await splitStoredModel(store, model)));
        filter = { ...filter, ...known };
      }
      return store.logs.list({ ...filter, limit, omit_bodies: true, ...(after ? { after } : {}) });
    },
    close: () => store.close(),
  };
}

/**
 * `moonshot/kimi-k2.6` as provider and model, as the gateway reads a model filter, when records
 * of that provider are in the store (no config is read here to say which providers exist); else
 * a model id as it is: ids may hold a `/` (`meta-llama/Llama-3.3-70B`).
 */
async function splitStoredModel(store: Store, model: string): Promise<{ model: string; provider?: string }> {
  const split = splitModel(model, ANY_PROVIDER);
  if (split.provider === undefined) return split;
  const some = await store.logs.list({ provider: split.provider, limit: 1, omit_bodies: true });
  return some.records.length > 0 ? split : { model };
}

/** Every name a provider: where splitModel would split, before the store is asked whether it is one. */
const ANY_PROVIDER = { has: (): boolean => true };
