import type { LogEntry } from './log-record.js';

/** A record the store refused while it took others: it would fail every retry. */
export interface Refused {
  entry: LogEntry;
  reason: string;
}

type Insert = (entries: LogEntry[]) => Promise<void>;

/**
 * Inserts a batch. When the store refuses it, the batch is halved: if one half goes in, the store
 * is up, and the failure belongs to records of the other half, narrowed down by halving again.
 * Those records are returned, so that one record the store will never take (no cause is known;
 * this is a backstop) neither holds up the records queued with it nor makes the store look down.
 * Throws the store's error when both halves fail too (the store is down, or a lone record failed:
 * nothing tells them apart, so it is kept for a retry). A store that is down costs three calls.
 */
export async function insertIsolating(insert: Insert, entries: LogEntry[]): Promise<Refused[]> {
  try {
    await insert(entries);
    return [];
  } catch (err) {
    if (entries.length < 2) throw err;
    const mid = entries.length >> 1;
    const halves = [entries.slice(0, mid), entries.slice(mid)] as const;
    const failures: { half: LogEntry[]; err: unknown }[] = [];
    for (const half of halves) {
      try {
        await insert(half);
      } catch (halfErr) {
        failures.push({ half, err: halfErr });
      }
    }
    if (failures.length === 2) throw err;
    const [failed] = failures;
    // Both halves went in: the failure was passing (the store skips ids it already has).
    if (!failed) return [];
    return failed.half.length === 1 ? [{ entry: failed.half[0]!, reason: message(failed.err) }] : narrow(insert, failed.half);
  }
}

/** The store is known to be up: each half that fails again holds refused records. */
async function narrow(insert: Insert, entries: LogEntry[]): Promise<Refused[]> {
  const mid = entries.length >> 1;
  const refused: Refused[] = [];
  for (const half of [entries.slice(0, mid), entries.slice(mid)]) {
    try {
      await insert(half);
    } catch (err) {
      if (half.length === 1) refused.push({ entry: half[0]!, reason: message(err) });
      else refused.push(...(await narrow(insert, half)));
    }
  }
  return refused;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
