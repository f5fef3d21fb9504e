import { InvalidArgumentError } from 'commander';
import { parseTime } from '../logs/http/parse-query.js';
import { formatLogLine } from '../logs/tail/format-log-line.js';
import { httpLogReader, storeLogReader } from '../logs/tail/log-reader.js';
import type { LogReader } from '../logs/tail/log-reader.js';
import { tailLogs } from '../logs/tail/tail-logs.js';
import type { LogFilter, StatusFilter } from '../store/store.js';
import { gatewayUrl } from './admin-client.js';
import { printable } from './printable.js';
import { mentionsStore } from './store-error.js';

export interface LogsOptions {
  follow?: boolean;
  model?: string;
  key?: string;
  customer?: string;
  status?: string;
  since?: string;
  lines: number;
  url?: string;
  apiKey?: string;
  /** The same as apiKey, under the name `moongate keys` uses for it. */
  masterKey?: string;
  store?: string;
  json?: boolean;
  interval: number;
}

/**
 * `moongate logs`: the latest records from a running gateway (`--url` or $MOONGATE_URL, as for
 * `moongate keys`; the master key from `--api-key`, its alias `--master-key` as `moongate keys` names
 * it, or $MOONGATE_MASTER_KEY), or straight from the
 * store file (`--store`) when no gateway is running. `--follow` keeps printing new records.
 */
export async function runLogs(options: LogsOptions): Promise<void> {
  const filter: LogFilter = {};
  // `provider/model` is split by whoever reads: the gateway, or the store reader (storeLogReader).
  if (options.model) filter.model = options.model;
  if (options.key) filter.key_id = options.key;
  if (options.customer) filter.customer = options.customer;
  if (options.status) filter.status = parseStatusOption(options.status);
  if (options.since) filter.from_ms = parseTime(options.since, 'since');

  // Which one was meant cannot be guessed: one reads a file, the other asks a (maybe different) gateway.
  if (options.store !== undefined && options.url !== undefined) throw new Error('--store and --url were both given; use one: --store reads the store file, --url asks a running gateway.');
  if (options.apiKey !== undefined && options.masterKey !== undefined && options.apiKey !== options.masterKey) {
    throw new Error('--api-key and --master-key were both given, with different keys; give one (they are the same option).');
  }
  const masterKey = options.masterKey ?? options.apiKey;
  // Ctrl-C (or SIGTERM) stops the request in flight too: a gateway that accepts the connection and
  // never answers kept the command running for undici's 5 minutes after the signal.
  const abort = new AbortController();
  const reader: LogReader = options.store
    ? await openStoreReader(options.store)
    : httpLogReader(
        gatewayUrl(options.url),
        masterKey ?? nonEmpty(process.env.MOONGATE_MASTER_KEY),
        options.masterKey !== undefined ? '--master-key' : '--api-key',
        abort.signal,
      );
  const stop = (): void => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await tailLogs(reader, {
      filter,
      last: options.lines,
      follow: options.follow === true,
      pollMs: options.interval,
      signal: abort.signal,
      print: (r) => console.log(options.json ? JSON.stringify(r) : printable(formatLogLine(r))),
      // A request stopped by the signal is no trouble worth reporting.
      warn: (message) => {
        if (!abort.signal.aborted) console.error(`moongate logs: ${message}`);
      },
    });
  } catch (err) {
    // Stopped by the signal: an ordinary end, as when it comes between two polls.
    if (!abort.signal.aborted) throw err;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await reader.close();
  }
}

/** `--store`'s reader; an error that does not say which store (SQLite's "file is not a database") is told which. */
async function openStoreReader(store: string): Promise<LogReader> {
  try {
    return await storeLogReader(store);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw mentionsStore(message, store) ? err : new Error(`cannot read the store ${store}: ${message}`);
  }
}

/** Below this, --follow would ask the gateway (and its store) many times a second for nothing. */
export const MIN_INTERVAL_MS = 100;

export function parseInterval(value: string): number {
  const ms = Number(value);
  if (value.trim() === '' || !Number.isFinite(ms) || ms < MIN_INTERVAL_MS) {
    throw new InvalidArgumentError(`--interval must be a number of milliseconds, at least ${MIN_INTERVAL_MS}.`);
  }
  return ms;
}

export function parseLines(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError('must be an integer from 1 to 1000.');
  return n;
}

function parseStatusOption(value: string): StatusFilter {
  if (value === 'success' || value === 'error') return value;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 100 || n > 599) throw new InvalidArgumentError('--status must be success, error or an HTTP status code.');
  return n;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
