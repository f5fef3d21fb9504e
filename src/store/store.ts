import type { CredentialRepository } from '../credentials/credential-repository.js';
import type { KeyStore } from '../keys/key-store.js';
import type { LogEntry, LogRecord, LogSource } from '../logs/log-record.js';

/**
 * Everything Moongate keeps: request logs, gateway keys and stored provider credentials, one
 * repository each. Implementations: SQLite (embedded, default) and, later, PostgreSQL. Every
 * method takes and returns plain data, so a store can also run in a worker thread behind a
 * message channel.
 */
export interface Store {
  /** Where the data lives, safe to print (never a password). */
  readonly description: string;
  readonly logs: LogRepository;
  readonly keys: KeyStore;
  readonly credentials: CredentialRepository;
  /** Resolves when the store answers; rejects with the reason when it does not (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface LogRepository {
  /** Writes records in one transaction; a record whose id is already stored is skipped (replays are safe). */
  insert(entries: LogEntry[]): Promise<void>;
  get(id: string): Promise<LogRecord | undefined>;
  /** Newest first: by `created_at`, then id. */
  list(query: LogListQuery): Promise<LogPage>;
  usage(query: UsageQuery): Promise<UsageRow[]>;
  /** Deletes at most `limit` records older than `cutoffMs` (oldest first); returns how many. */
  deleteOlderThan(cutoffMs: number, limit: number): Promise<number>;
}

/** A position in the newest-first order: records strictly after it come next. */
export interface LogPosition {
  created_at_ms: number;
  id: string;
}

export type StatusFilter = number | 'success' | 'error';

export interface LogFilter {
  /** The served model id; with `provider` for `provider/model`. */
  model?: string;
  provider?: string;
  key_id?: string;
  customer?: string;
  status?: StatusFilter;
  source?: LogSource;
  /** Inclusive lower bound, epoch ms. */
  from_ms?: number;
  /** Exclusive upper bound, epoch ms. */
  to_ms?: number;
}

export interface LogListQuery extends LogFilter {
  limit: number;
  after?: LogPosition;
  /** Leave request and response bodies out (lighter pages for tailing). */
  omit_bodies?: boolean;
}

export interface LogPage {
  records: LogRecord[];
  /** Where the next page starts; absent on the last page. */
  next?: LogPosition;
}

export type UsageGroup = 'model' | 'provider' | 'key' | 'customer';
export type UsageInterval = 'hour' | 'day';

export interface UsageQuery extends LogFilter {
  group_by: UsageGroup;
  interval: UsageInterval;
  from_ms: number;
  to_ms: number;
}

export interface UsageRow {
  /** Start of the bucket, epoch ms (UTC hours or days). */
  bucket_ms: number;
  /** The model (`provider/model`), provider, key id or customer; null for records without one. */
  group: string | null;
  requests: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  /** Sum of the known costs; null when none is known (every request unpriced), never a made-up 0. */
  cost_usd: number | null;
  /** Requests whose cost is unknown (no price), so `cost_usd` leaves them out. */
  unpriced_requests: number;
  p50_latency_ms: number | null;
  p95_latency_ms: number | null;
}
