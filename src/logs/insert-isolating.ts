import { storeUnavailable } from '../store/store-unavailable.js';
import type { LogEntry } from './log-record.js';

/** A record the store refused while it was up: it would fail every retry. */
export interface Refused {
  entry: LogEntry;
  reason: string;
}

type Insert = (entries: LogEntry[]) => Promise<void>;

/**
 * Inserts a batch. A store that is unavailable (locked, full, its thread gone: storeUnavailable)
 * makes this throw, and the batch is kept for a retry. Any other failure is the store refusing
 * something in the batch: it is halved, and halved again, down to the records at fault, which
 * are returned, so that a record the store will never take (no cause is known; this is a
 * backstop) neither holds up the records queued with it nor makes the store look down. A lone
 * record is judged the same way, so one left alone in the spool cannot stop its replay.
 */
export async function insertIsolating(insert: Insert, entries: LogEntry[]): Promise<Refused[]> {
  try {
    await insert(entries);
    return [];
  } catch (err) {
    if (storeUnavailable(err)) throw err;
    if (entries.length === 1) return [{ entry: entries[0]!, reason: message(err) }];
    return narrow(insert, entries);
  }
}

/** The store refused something in `entries`: each half that fails again holds refused records. */
async function narrow(insert: Insert, entries: LogEntry[]): Promise<Refused[]> {
  const mid = entries.length >> 1;
  const refused: Refused[] = [];
  for (const half of [entries.slice(0, mid), entries.slice(mid)]) {
    try {
      await insert(half);
    } catch (err) {
      // It went down meanwhile: what is not in yet is kept for a retry (the store skips ids it has).
      if (storeUnavailable(err)) throw err;
      if (half.length === 1) refused.push({ entry: half[0]!, reason: message(err) });
      else refused.push(...(await narrow(insert, half)));
    }
  }
  return refused;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
