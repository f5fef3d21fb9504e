/** How many log records a fresh Moongate store holds: its usage totals, once they stop growing. */
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
 * Every request the gateway was sent has a log record, the refused and the abandoned included.
 * Waits up to `waitMs` for the count to reach `requests`, or to stop growing for 3 s.
 */
export async function countLogRecords(origin: string, requests: number, waitMs = 15_000): Promise<LogCount> {
  const count = async (): Promise<number> => {
    const res = await httpRequest('GET', `${origin}/v1/usage?group_by=model&interval=day`, { authorization: `Bearer ${MASTER_KEY}` });
    if (res.status !== 200) throw new Error(`GET /v1/usage answered ${res.status}: ${res.body.slice(0, 200)}`);
    const body = JSON.parse(res.body) as { data?: { requests?: number }[] };
    return (body.data ?? []).reduce((sum, row) => sum + (row.requests ?? 0), 0);
  };
  const verdict = (records: number | null, note?: string): LogCount => ({ requests, records, none_lost: records === requests, ...(note ? { note } : {}) });
  let records = -1;
  let stableSince = performance.now();
  try {
    for (const t0 = performance.now(); performance.now() - t0 < waitMs; ) {
      const now = await count();
      if (now >= requests) return verdict(now);
      if (now !== records) [records, stableSince] = [now, performance.now()];
      else if (performance.now() - stableSince > 3_000) break;
      await new Promise((done) => setTimeout(done, 250));
    }
  } catch (err) {
    return verdict(null, String(err));
  }
  return verdict(records);
}
