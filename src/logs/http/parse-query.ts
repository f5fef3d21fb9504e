import { suggestKey } from '../../config/problems.js';
import { GatewayError } from '../../server/gateway-error.js';
import { isoTimeMs } from '../../server/iso-time.js';
import type { LogFilter, LogListQuery, StatusFilter, UsageGroup, UsageInterval, UsageQuery } from '../../store/store.js';
import { decodeCursor } from './cursor.js';
import { epochMs } from '../epoch-time.js';
import { nulAsStored } from '../../store/sql/stored-text.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1_000;
const DAY_MS = 86_400_000;

/** The filters both routes take; `key` and `customer_identifier` are other names for `key_id` and `customer`. */
const FILTER_PARAMS = ['model', 'provider', 'key_id', 'key', 'customer', 'customer_identifier', 'status', 'source', 'from', 'to'] as const;
export const LIST_PARAMS: readonly string[] = [...FILTER_PARAMS, 'limit', 'cursor', 'bodies'];
export const USAGE_PARAMS: readonly string[] = [...FILTER_PARAMS, 'group_by', 'interval'];
const SAME_FILTER: readonly (readonly [string, string])[] = [
  ['key_id', 'key'],
  ['customer', 'customer_identifier'],
];

/**
 * A misspelt parameter (`customr=acme`) would otherwise be ignored and answer with every record,
 * unfiltered; a repeated one would silently use one of its values. Both are refused.
 */
export function checkParamNames(params: URLSearchParams, accepted: readonly string[], route: string): void {
  for (const name of new Set(params.keys())) {
    if (!accepted.includes(name)) {
      const hint = suggestKey(name, accepted);
      throw bad(name, `Unknown parameter \`${name}\` for ${route}${hint ? ` (did you mean \`${hint}\`?)` : ''}; it accepts: ${accepted.join(', ')}`);
    }
    if (params.getAll(name).length > 1) throw bad(name, `\`${name}\` is given more than once; give it once`);
  }
  for (const [name, other] of SAME_FILTER) {
    if (params.has(name) && params.has(other)) throw bad(other, `\`${other}\` is another name for \`${name}\`; give one of them`);
  }
}

/** `?model=&provider=&key_id=&customer=&status=&source=&from=&to=` → a filter; 400 naming the bad parameter. */
export function parseLogFilter(params: URLSearchParams, providerNames: ReadonlySet<string>): LogFilter {
  const filter: LogFilter = {};
  const model = text(params, 'model');
  if (model !== undefined) Object.assign(filter, splitModel(model, providerNames));
  const provider = text(params, 'provider');
  if (provider !== undefined) filter.provider = provider;
  const key = text(params, 'key_id') ?? text(params, 'key');
  if (key !== undefined) filter.key_id = key;
  const customer = text(params, 'customer') ?? text(params, 'customer_identifier');
  if (customer !== undefined) filter.customer = customer;
  const status = text(params, 'status');
  if (status !== undefined) filter.status = parseStatus(status);
  const source = text(params, 'source');
  if (source !== undefined) {
    if (source !== 'proxy' && source !== 'ingested') throw bad('source', '`source` must be "proxy" or "ingested"');
    filter.source = source;
  }
  const from = text(params, 'from');
  if (from !== undefined) filter.from_ms = parseTime(from, 'from');
  const to = text(params, 'to');
  if (to !== undefined) filter.to_ms = parseTime(to, 'to');
  if (filter.from_ms !== undefined && filter.to_ms !== undefined && filter.from_ms >= filter.to_ms) throw bad('from', '`from` must be before `to`');
  return filter;
}

export function parseListQuery(params: URLSearchParams, providerNames: ReadonlySet<string>): LogListQuery {
  checkParamNames(params, LIST_PARAMS, 'GET /v1/logs');
  const query: LogListQuery = { ...parseLogFilter(params, providerNames), limit: DEFAULT_PAGE_SIZE };
  const limit = text(params, 'limit');
  if (limit !== undefined) {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE_SIZE) throw bad('limit', `\`limit\` must be an integer from 1 to ${MAX_PAGE_SIZE}`);
    query.limit = n;
  }
  const cursor = text(params, 'cursor');
  if (cursor !== undefined) query.after = decodeCursor(cursor);
  const bodies = text(params, 'bodies');
  if (bodies !== undefined) {
    if (bodies !== 'true' && bodies !== 'false') throw bad('bodies', '`bodies` must be true or false');
    query.omit_bodies = bodies === 'false';
  }
  return query;
}

/** `?group_by=model|provider|key|customer&interval=hour|day&from=&to=` (+ the log filters). */
export function parseUsageQuery(params: URLSearchParams, providerNames: ReadonlySet<string>, now = Date.now()): UsageQuery {
  checkParamNames(params, USAGE_PARAMS, 'GET /v1/usage');
  const groupBy = text(params, 'group_by') ?? 'model';
  if (!['model', 'provider', 'key', 'customer'].includes(groupBy)) throw bad('group_by', '`group_by` must be one of model, provider, key, customer');
  const interval = text(params, 'interval') ?? 'day';
  if (interval !== 'hour' && interval !== 'day') throw bad('interval', '`interval` must be hour or day');
  const filter = parseLogFilter(params, providerNames);
  // Without a range: the last 24 hours by hour, the last 30 days by day.
  const to = filter.to_ms ?? now;
  const from = filter.from_ms ?? to - (interval === 'hour' ? DAY_MS : 30 * DAY_MS);
  if (from >= to) throw bad('from', '`from` must be before `to`');
  return { ...filter, group_by: groupBy as UsageGroup, interval: interval as UsageInterval, from_ms: from, to_ms: to };
}

/**
 * `moonshot/kimi-k2.6` filters on provider and model when `moonshot` is a configured provider;
 * anything else is a model id as it is (ids may contain `/`, like `meta-llama/Llama-3.3`).
 */
export function splitModel(model: string, providerNames: { has(name: string): boolean }): { model: string; provider?: string } {
  const slash = model.indexOf('/');
  if (slash > 0 && slash < model.length - 1 && providerNames.has(model.slice(0, slash))) {
    return { provider: model.slice(0, slash), model: model.slice(slash + 1) };
  }
  return { model };
}

/** 9999-12-31T23:59:59.999Z: past it a time has no ISO form (and far past it, no Date at all). */
const LATEST_TIME_MS = 253_402_300_799_999;

/** ISO 8601, or epoch seconds / milliseconds (read as ingestion reads them: epochMs). */
export function parseTime(value: string, param: string): number {
  if (/^\d+(\.\d+)?$/.test(value)) {
    const ms = epochMs(Number(value));
    if (ms > LATEST_TIME_MS) throw bad(param, `\`${param}\` is past the year 9999`);
    return ms;
  }
  const ms = isoTimeMs(value);
  if (ms === undefined) throw bad(param, `\`${param}\` must be an ISO 8601 time with a real calendar day (2026-01-31T12:00:00Z) or epoch seconds or milliseconds`);
  return ms;
}

function parseStatus(value: string): StatusFilter {
  if (value === 'success' || value === 'error') return value;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 100 || n > 599) throw bad('status', '`status` must be success, error or an HTTP status code');
  return n;
}

function text(params: URLSearchParams, name: string): string | undefined {
  const value = params.get(name);
  // As the store keeps text: a record sent with customer "a\0b" is stored as "a\uFFFDb", and
  // `customer=a%00b` must find it.
  return value === null || value === '' ? undefined : nulAsStored(value);
}

function bad(param: string, message: string): GatewayError {
  return new GatewayError(400, `${message}.`, { code: 'invalid_parameter', param });
}
