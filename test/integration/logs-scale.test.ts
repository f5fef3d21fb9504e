import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogEntry } from '../../src/logs/log-record.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';

/**
 * 100,000 records in the SQLite store as the gateway runs it (worker threads, from the build:
 * `npm run build` first). Prints write throughput and query times; asserts results, not times.
 */
const ROWS = 100_000;
const T0 = Date.UTC(2026, 0, 1);
const workerEntry = new URL('../../dist/store/worker/store-worker.js', import.meta.url);
const models = ['kimi-k2.6', 'kimi-k2.5', 'kimi-k3', 'moonshot-v1-8k'];

let dir: string;
let store: Store;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'moongate-scale-'));
  store = await openStore(`sqlite:${join(dir, 'scale.db')}`, { thread: 'worker', workerEntry });
});
afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

function entry(i: number): LogEntry {
  const error = i % 50 === 0;
  return {
    id: `r${String(i).padStart(7, '0')}`,
    created_at_ms: T0 + i * 30_000, // one every 30 s: ~35 days
    source: 'proxy',
    key_id: `key_${i % 20}`,
    customer_identifier: `customer-${i % 200}`,
    user: null,
    trace_id: null,
    metadata: { team: `t${i % 5}` },
    provider: 'moonshot',
    credential: i % 2 ? 'main' : 'backup',
    model_requested: 'kimi',
    model: models[i % models.length]!,
    stream: i % 3 === 0,
    status: error ? 429 : 200,
    error_type: error ? 'rate_limit_reached_error' : null,
    error_message: error ? 'slow down' : null,
    attempts: [{ provider: 'moonshot', model: models[i % models.length]!, credential: 'main', status: error ? 429 : 200, started_ms: 0.5, duration_ms: 120 }],
    adjustments: [],
    prompt_tokens: 200 + (i % 500),
    completion_tokens: 50 + (i % 300),
    cached_tokens: i % 4 === 0 ? 100 : 0,
    reasoning_tokens: 0,
    cost_usd: 0.0005 + (i % 100) / 1e6,
    cost_details: null,
    latency_ms: 100 + ((i * 7919) % 5000),
    ttft_ms: i % 3 === 0 ? 80 + (i % 400) : null,
    overhead_ms: 1.5,
    request_json: JSON.stringify({ model: 'kimi', messages: [{ role: 'user', content: `question ${i} `.repeat(10) }] }),
    response_json: JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content: `answer ${i} `.repeat(20) } }] }),
  };
}

/** Runs a read query five times: the first (cold) time and the median of the others. */
async function timed<T>(label: string, fn: () => Promise<T>, results: string[], runs = 5): Promise<T> {
  const times: number[] = [];
  let value!: T;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    value = await fn();
    times.push(performance.now() - start);
  }
  const warm = times.slice(1).sort((a, b) => a - b);
  const median = warm[Math.floor(warm.length / 2)];
  results.push(`${label}: ${times[0]!.toFixed(1)} ms cold${median === undefined ? '' : `, ${median.toFixed(1)} ms warm (median)`}`);
  return value;
}

describe('100k records', () => {
  it('starts the reader thread on the first query, not at open or on a readiness probe', async () => {
    const reader = (store as any).threads.reader;
    expect(reader.running).toBe(false);
    await store.ping();
    await store.keys.findKeyByHash('none');
    await store.credentials.listCredentials();
    expect(reader.running).toBe(false);
    await store.logs.list({ limit: 1 });
    expect(reader.running).toBe(true);
  });

  it('are written in batches and answer queries fast, without blocking the event loop', { timeout: 180_000 }, async () => {
    const results: string[] = [];
    const writeStart = performance.now();
    for (let i = 0; i < ROWS; i += 1_000) await store.logs.insert(Array.from({ length: 1_000 }, (_, j) => entry(i + j)));
    const writeMs = performance.now() - writeStart;
    results.push(`write ${ROWS} records (batches of 1000, ~0.6 KB bodies): ${writeMs.toFixed(0)} ms = ${Math.round(ROWS / (writeMs / 1000))} records/s`);

    const newest = await timed('newest page (50)', () => store.logs.list({ limit: 50 }), results);
    expect(newest.records[0]!.id).toBe(`r${String(ROWS - 1).padStart(7, '0')}`);
    const byModel = await timed('page filtered by model (50)', () => store.logs.list({ limit: 50, model: 'kimi-k3' }), results);
    expect(byModel.records.every((r) => r.model === 'kimi-k3')).toBe(true);
    const combined = await timed('page filtered by customer + errors + time range (50)', () => store.logs.list({ limit: 50, customer: 'customer-0', status: 'error', from_ms: T0, to_ms: T0 + 20 * 86_400_000 }), results);
    expect(combined.records.length).toBeGreaterThan(0);
    expect(combined.records.every((r) => r.customer_identifier === 'customer-0' && r.status === 429)).toBe(true);
    const deep = await timed('page deep in the table via cursor (1000, bodies omitted)', () => store.logs.list({ limit: 1000, omit_bodies: true, after: { created_at_ms: T0 + 50_000 * 30_000, id: 'r0050000' } }), results);
    expect(deep.records[0]!.id).toBe('r0049999');
    await timed('one record by id', () => store.logs.get('r0012345'), results);
    const byKey = await timed('page filtered by key (1000)', () => store.logs.list({ limit: 1000, key_id: 'key_7', omit_bodies: true }), results);
    expect(byKey.records).toHaveLength(1000);

    // The heavy query runs in the reader thread: the main thread keeps serving meanwhile.
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const usage = await timed('usage over all 100k, by model per hour (p50/p95)', () => store.logs.usage({ group_by: 'model', interval: 'hour', from_ms: T0, to_ms: T0 + ROWS * 30_000 }), results, 3);
    lag.disable();
    results.push(`  event-loop delay during that query: max ${(lag.max / 1e6).toFixed(1)} ms`);
    expect(usage.reduce((n, r) => n + r.requests, 0)).toBe(ROWS);
    const byDay = await timed('usage over all 100k, by customer per day', () => store.logs.usage({ group_by: 'customer', interval: 'day', from_ms: T0, to_ms: T0 + ROWS * 30_000 }), results, 3);
    await timed('usage over one day (~2,900 records), by model per hour', () => store.logs.usage({ group_by: 'model', interval: 'hour', from_ms: T0 + 10 * 86_400_000, to_ms: T0 + 11 * 86_400_000 }), results);
    expect(byDay.reduce((n, r) => n + r.errors, 0)).toBe(ROWS / 50);
    const deleted = await timed('retention: delete the oldest 5000', () => store.logs.deleteOlderThan(T0 + 5_000 * 30_000, 5_000), results, 1);
    expect(deleted).toBe(5_000);

    console.log(`\n100k-row store (SQLite in worker threads):\n  ${results.join('\n  ')}\n`);
  });

  it('restarts a store worker that died, on the next call', async () => {
    const writer = (store as any).threads.writer;
    await writer.worker.terminate();
    await store.logs.insert([entry(ROWS + 1)]);
    expect(await store.logs.get(`r${String(ROWS + 1).padStart(7, '0')}`)).toBeDefined();
  });

  it('routes gateway keys and stored credentials through the worker threads too', async () => {
    const k = {
      id: 'key_w', name: 'w', key_hash: 'h-w', key_last4: 'wwww', models: null, budget_usd: 5, budget_period: 'day' as const, rpm: null, tpm: null,
      expires_at: null, customer_identifier: null, metadata: null, created_at: 1, revoked_at: null, spend_usd: 0, spend_period_start: 0, spend_total_usd: 0,
    };
    await store.keys.insertKey(k);
    const today = Date.UTC(2026, 10, 30);
    await store.keys.addSpend('key_w', 1.25, today);
    expect(await store.keys.findKeyByHash('h-w')).toMatchObject({ id: 'key_w', spend_usd: 1.25, spend_period_start: today });
    // Charges are gathered for a moment before they are written; a read made meanwhile waits for them.
    const charges = [store.keys.addSpend('key_w', 0.5, today), store.keys.addSpend('key_w', 0.25, today)];
    expect(await store.keys.getKey('key_w')).toMatchObject({ spend_usd: 2, spend_total_usd: 2 });
    await Promise.all(charges);
    expect((await store.keys.updateKey('key_w', { revoked_at: 99 }))?.revoked_at).toBe(99);
    await store.credentials.insertCredential({ provider: 'moonshot', name: 'w', api_key_sealed: 's', key_last4: '1234', region: 'global', base_url: null, weight: 1, limits: null, models: null, created_at: 1 });
    expect((await store.credentials.listCredentials()).map((c) => c.name)).toEqual(['w']);
    expect(await store.credentials.deleteCredential('moonshot', 'w')).toBe(true);
  });
});
