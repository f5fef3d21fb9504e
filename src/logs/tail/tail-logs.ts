import type { LogFilter } from '../../store/store.js';
import type { LogRecord } from '../log-record.js';
import { LogReadRefused } from './log-reader.js';
import type { LogReader } from './log-reader.js';

export interface TailOptions {
  filter: LogFilter;
  /** How many of the latest records to show first. */
  last: number;
  follow: boolean;
  pollMs: number;
  signal: AbortSignal;
  print: (record: LogRecord) => void;
  /** Following: the gateway went away (a restart) or failed; polling goes on, and says so here. */
  warn?: (message: string) => void;
}

// Records reach the store up to a batch interval after they finish (longer when replayed from
// the spool); each poll looks back this far and skips records it has printed already.
const LOOKBACK_MS = 10_000;
const MAX_REMEMBERED = 50_000;

/** `moongate logs`: the latest records oldest first, then (with follow) new ones as they arrive. */
export async function tailLogs(reader: LogReader, o: TailOptions): Promise<void> {
  const first = await reader.page(o.filter, o.last);
  const seen = new Set<string>();
  let newest = 0;
  const show = (records: LogRecord[]): void => {
    for (const r of [...records].reverse()) {
      if (seen.has(r.id)) continue;
      seen.add(r.id);
      // A record dated in the future (an ingested one, a skewed clock) must not move the window past now.
      newest = Math.max(newest, Math.min(Date.parse(r.created_at), Date.now()));
      o.print(r);
    }
    if (seen.size > MAX_REMEMBERED) for (const id of [...seen].slice(0, seen.size - MAX_REMEMBERED / 2)) seen.delete(id);
  };
  show(first.records);
  if (!o.follow) return;
  if (newest === 0) newest = Date.now();
  // What was written before following began, beyond the `last` shown, is not new: the polls look
  // back past it, and would print it late and out of order. It is read now and marked as seen
  // (newer records are left for the polls); if the gateway is away, the first poll that gets an
  // answer does it instead.
  const shownUpTo = newest;
  const window = (): LogFilter => ({ ...o.filter, from_ms: Math.max(o.filter.from_ms ?? 0, newest - LOOKBACK_MS) });
  const markBefore = (records: LogRecord[]): void => {
    for (const r of records) if (Date.parse(r.created_at) <= shownUpTo) seen.add(r.id);
  };
  let marked = false;
  try {
    markBefore(await readSince(reader, window()));
    marked = true;
  } catch (err) {
    if (err instanceof LogReadRefused) throw err;
  }

  let trouble = false;
  while (!o.signal.aborted) {
    await sleep(o.pollMs, o.signal);
    if (o.signal.aborted) return;
    let batch: LogRecord[];
    try {
      batch = await readSince(reader, window());
    } catch (err) {
      // A gateway that restarts (or fails for a moment) is waited for; one that refuses is not.
      if (err instanceof LogReadRefused) throw err;
      if (!trouble) o.warn?.(`cannot read the logs (${err instanceof Error ? err.message : String(err)}); trying again every ${o.pollMs} ms`);
      trouble = true;
      continue;
    }
    if (trouble) o.warn?.('reading the logs again');
    trouble = false;
    if (!marked) markBefore(batch);
    marked = true;
    show(batch);
  }
}

/** Every record from `filter` on, page after page (up to 10,000). */
async function readSince(reader: LogReader, filter: LogFilter): Promise<LogRecord[]> {
  const batch: LogRecord[] = [];
  let page = await reader.page(filter, 1000);
  batch.push(...page.records);
  while (page.next && batch.length < 10_000) {
    page = await reader.page(filter, 1000, page.next);
    batch.push(...page.records);
  }
  return batch;
}

/** Waits `ms`, or until aborted; either way the abort listener goes (one per poll would pile up). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
