import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLogsStack } from '../helpers/logs-stack.js';
import type { LogsStack } from '../helpers/logs-stack.js';

/**
 * A log shipper sending `created_at` as epoch seconds (Python's `time.time()`, `date +%s`) must not
 * have its records filed under January 1970, where usage reports never look and the next
 * retention sweep deletes them. The query parameters already read numbers below 10^11 as seconds;
 * an ingested time means the same instant as the same number given to `from`.
 */
const MASTER = 'master-ops-review-ingest-time';

let stack: LogsStack;
beforeAll(async () => {
  stack = await startLogsStack({ configYaml: `master_key: ${MASTER}\nproviders: {}\n` });
});
afterAll(() => stack.close());

const SECONDS = 1_764_000_000; // 2025-11-24T16:00:00Z

describe('ingested created_at in epoch seconds', () => {
  it('is read as seconds, as the log query reads the same number', async () => {
    const one = await stack.api('/v1/logs', { token: MASTER, body: { id: 'secs-1', model: 'kimi-k2.6', created_at: SECONDS } });
    expect(one.status).toBe(201);
    expect(one.json.created_at).toBe(new Date(SECONDS * 1000).toISOString());

    const batch = await stack.api('/v1/logs', { token: MASTER, body: [{ id: 'secs-2', model: 'kimi-k2.6', created_at: SECONDS + 0.25 }] });
    expect(batch.status).toBe(201);
    expect(batch.json.data[0].created_at).toBe(new Date(SECONDS * 1000 + 250).toISOString());

    const found = await stack.api(`/v1/logs?from=${SECONDS}&to=${SECONDS + 1}`, { token: MASTER });
    expect(found.json.data.map((r: any) => r.id).sort()).toEqual(['secs-1', 'secs-2']);
  });

  it('keeps a time with a fraction of a millisecond (time.time() has microseconds) as answered, found by from= with the same number', async () => {
    // .1232 s is 123.2 ms: the store keeps whole milliseconds, and the record must keep the one
    // its 201 answer named and still be found by `from=` given the number that was sent.
    const sent = SECONDS + 10.1232;
    const below = await stack.api('/v1/logs', { token: MASTER, body: { id: 'frac-below', model: 'kimi-k2.6', created_at: sent } });
    expect(below.status).toBe(201);
    const from = await stack.api(`/v1/logs?from=${sent}`, { token: MASTER });
    expect(from.json.data.map((r: any) => r.id)).toContain('frac-below');

    const above = await stack.api('/v1/logs', { token: MASTER, body: { id: 'frac-above', model: 'kimi-k2.6', created_at: SECONDS + 20.1237 } });
    expect(above.status).toBe(201);
    const stored = await stack.api('/v1/logs/frac-above', { token: MASTER });
    expect(stored.json.created_at).toBe(above.json.created_at);
  });

  it('still reads epoch milliseconds as milliseconds', async () => {
    const res = await stack.api('/v1/logs', { token: MASTER, body: { id: 'ms-1', model: 'kimi-k2.6', created_at: SECONDS * 1000 + 7 } });
    expect(res.status).toBe(201);
    expect(res.json.created_at).toBe(new Date(SECONDS * 1000 + 7).toISOString());
  });
});
