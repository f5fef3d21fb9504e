/** Counting log records once the writer has caught up: a fresh store's total, and the wait itself. */
import { MASTER_KEY } from './moongate-setup.js';
import { httpRequest } from './processes.js';

export interface LogCount {
  /** Requests the gateway was sent (their headers written). */
  requests: number;
  records: number | null;
  none_lost: boolean;
  note?: string;
}

/**
 * Counts until the count reaches `target`, stops growing for 3 s, or `waitMs` has passed, and
 * returns the last count (-1 if none was made). Records are written in batches, off the request
 * path: right after the load they are still coming. A failed count throws.
 */
export async function waitForCount(count: () => Promise<number>, target: number, waitMs: number): Promise<number> {
  let last = -1;
  let stableSince = performance.now();
  for (const t0 = performance.now(); performance.now() - t0 < waitMs; ) {
    const now = await count();
    if (now >= target) return now;
    if (now !== last) [last, stableSince] = [now, performance.now()];
    else if (performance.now() - stableSince > 3_000) break;
    await new Promise((done) => setTimeout(done, 250));
  }
  return last;
}

/**
 * Every request the gateway was sent has a log record, the refused and the abandoned included:
 * the usage totals of a fresh store, once they have caught up.
 */
export async function countLogRecords(origin: string, requests: number, waitMs = 15_000): Promise<LogCount> {
  const count = async (): Promise<number> => {
    const res = await httpRequest('GET', `${origin}/v1/usage?group_by=model&interval=day`, { authorization: `Bearer ${MASTER_KEY}` });
    if (res.status !== 200) throw new Error(`GET /v1/usage answered ${res.status}: ${res.body.slice(0, 200)}`);
    const body = JSON.parse(res.body) as { data?: { requests?: number }[] };
    return (body.data ?? []).reduce((sum, row) => sum + (row.requests ?? 0), 0);
  };
  const verdict = (records: number | null, note?: string): LogCount => ({ requests, records, none_lost: records === requests, ...(note ? { note } : {}) });
  try {
    return verdict(await waitForCount(count, requests, waitMs));
  } catch (err) {
    return verdict(null, String(err));
  }
}
