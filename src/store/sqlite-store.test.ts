import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogEntry } from '../logs/log-record.js';
import { textToHold } from '../logs/bodies/json-text.js';
import { Spool } from '../logs/spool.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import { openStore } from './open-store.js';
import { parseStoreUrl, defaultSpoolPath } from './store-url.js';
import { logEntry } from '../../test/helpers/log-entry.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);

/** A record at T0 (the helper's time), with `over` on top. */
const entry = (over: Partial<LogEntry> = {}): LogEntry => logEntry({ created_at_ms: T0, ...over });

const stores: SqliteStore[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function memoryStore(): Promise<SqliteStore> {
  const store = await SqliteStore.open(':memory:');
  stores.push(store);
  return store;
}

describe('SqliteStore', () => {
  it("creates its folder, database, WAL and spool for the owner only (they hold every prompt and answer)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moongate-perm-'));
    dirs.push(dir);
    const path = join(dir, 'data', 'moongate.db');
    const store = await SqliteStore.open(path);
    stores.push(store);
    await store.logs.insert([entry({ id: 'private' })]);
    const spool = new Spool(join(dir, 'data', 'moongate.spool.jsonl'));
    await spool.init();
    await spool.append([entry({ id: 'spooled' })]);
    const mode = (p: string): number => statSync(p).mode & 0o777;
    expect(mode(join(dir, 'data'))).toBe(0o700);
    for (const file of [path, `${path}-wal`, join(dir, 'data', 'moongate.spool.jsonl')]) expect(mode(file)).toBe(0o600);
  });

  it('writes records and reads them back with every field', async () => {
    const store = await memoryStore();
    const e = entry({
      id: 'a',
      metadata: { team: 'x' },
      attempts: [{ provider: 'moonshot', model: 'kimi-k2.6', credential: 'main', status: 200, started_ms: 1, duration_ms: 50 }],
      adjustments: ['temperature 0.7 → 1'],
      cost_details: { input_usd: 0.0001, cached_input_usd: 0, output_usd: 0.0009, web_search_usd: 0, web_search_calls: 0 },
      request_json: '{"messages":[]}',
      response_json: '{"choices":[]}',
      stream: true,
      ttft_ms: 12.5,
    });
    await store.logs.insert([e]);
    const got = await store.logs.get('a');
    expect(got).toMatchObject({
      id: 'a',
      created_at: new Date(T0).toISOString(),
      source: 'proxy',
      metadata: { team: 'x' },
      stream: true,
      ttft_ms: 12.5,
      attempts: e.attempts,
      adjustments: e.adjustments,
      cost_details: e.cost_details,
      request: { messages: [] },
      response: { choices: [] },
    });
    expect(await store.logs.get('missing')).toBeUndefined();
  });

  it('stores a body held as its UTF-8 bytes as the same text, a text column like any other', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moongate-store-'));
    dirs.push(dir);
    const path = join(dir, 'logs.db');
    const store = await SqliteStore.open(path);
    stores.push(store);
    const request = JSON.stringify({ messages: [{ role: 'user', content: `the day’s catch — 中文, 😀 ${'words '.repeat(1000)}` }] });
    const held = textToHold(request);
    expect(typeof held).toBe('object');
    await store.logs.insert([entry({ id: 'bytes', request_json: held, response_json: textToHold('{"choices":[]}') })]);
    expect(await store.logs.get('bytes')).toMatchObject({ request: JSON.parse(request), response: { choices: [] } });
    const db = new Database(path, { readonly: true });
    try {
      expect(db.prepare("SELECT typeof(request) AS t, request FROM request_logs WHERE id = 'bytes'").get()).toMatchObject({ t: 'text', request });
    } finally {
      db.close();
    }
  });

  it('keeps text after a NUL character: it is stored as U+FFFD, since the driver would read the text back cut at the NUL', async () => {
    const store = await memoryStore();
    await store.logs.insert([entry({ id: 'nul', user: 'a\u0000b', customer_identifier: 'c\u0000d', error_message: 'x\u0000y', model: 'm\u0000' })]);
    const back = await store.logs.get('nul');
    expect(back).toMatchObject({ user: 'a\ufffdb', customer_identifier: 'c\ufffdd', error_message: 'x\ufffdy', model: 'm\ufffd' });
    // An ingested record names its own id (and, with the master key, its key).
    await store.logs.insert([entry({ id: 'id\u0000x', key_id: 'k\u0000y' })]);
    expect(await store.logs.get('id\ufffdx')).toMatchObject({ id: 'id\ufffdx', key_id: 'k\ufffdy' });
  });

  it('skips records already stored, so replaying a spool twice is harmless', async () => {
    const store = await memoryStore();
    await store.logs.insert([entry({ id: 'dup', status: 200 })]);
    await store.logs.insert([entry({ id: 'dup', status: 500 }), entry({ id: 'other' })]);
    expect((await store.logs.get('dup'))?.status).toBe(200);
    expect((await store.logs.list({ limit: 10 })).records).toHaveLength(2);
  });

  it('writes large batches in one go', async () => {
    const store = await memoryStore();
    await store.logs.insert(Array.from({ length: 450 }, (_, i) => entry({ id: `b${i}`, created_at_ms: T0 + i })));
    const page = await store.logs.list({ limit: 1000, omit_bodies: true });
    expect(page.records).toHaveLength(450);
    expect(page.next).toBeUndefined();
  });

  it('pages newest first with filters, and the pages join up exactly', async () => {
    const store = await memoryStore();
    const entries = Array.from({ length: 25 }, (_, i) =>
      entry({ id: `p${String(i).padStart(2, '0')}`, created_at_ms: T0 + Math.floor(i / 2) * 1000, model: i % 3 === 0 ? 'kimi-k3' : 'kimi-k2.6', status: i % 5 === 0 ? 429 : 200 }),
    );
    await store.logs.insert(entries);
    const seen: string[] = [];
    let page = await store.logs.list({ limit: 4 });
    for (;;) {
      seen.push(...page.records.map((r) => r.id));
      if (!page.next) break;
      page = await store.logs.list({ limit: 4, after: page.next });
    }
    const expected = [...entries].sort((a, b) => b.created_at_ms - a.created_at_ms || (a.id < b.id ? 1 : -1)).map((e) => e.id);
    expect(seen).toEqual(expected);

    const k3 = await store.logs.list({ limit: 100, model: 'kimi-k3' });
    expect(k3.records.map((r) => r.id).sort()).toEqual(entries.filter((e) => e.model === 'kimi-k3').map((e) => e.id).sort());
    expect((await store.logs.list({ limit: 100, status: 429 })).records).toHaveLength(5);
    expect((await store.logs.list({ limit: 100, status: 'error' })).records).toHaveLength(5);
    expect((await store.logs.list({ limit: 100, status: 'success' })).records).toHaveLength(20);
    const window = await store.logs.list({ limit: 100, from_ms: T0 + 2000, to_ms: T0 + 4000 });
    expect(window.records.map((r) => r.id).sort()).toEqual(['p04', 'p05', 'p06', 'p07']);
  });

  it('counts a stream that ended with an error event as an error', async () => {
    const store = await memoryStore();
    await store.logs.insert([entry({ id: 's', status: 200, error_type: 'server_error' })]);
    expect((await store.logs.list({ limit: 10, status: 'error' })).records.map((r) => r.id)).toEqual(['s']);
  });

  it('leaves bodies out when asked', async () => {
    const store = await memoryStore();
    await store.logs.insert([entry({ id: 'x', request_json: '{"a":1}' })]);
    const page = await store.logs.list({ limit: 1, omit_bodies: true });
    expect(page.records[0]!.request).toBeNull();
  });

  it('aggregates usage by bucket and group with nearest-rank p50/p95', async () => {
    const store = await memoryStore();
    const latencies = Array.from({ length: 20 }, (_, i) => (i + 1) * 10); // 10..200
    await store.logs.insert([
      ...latencies.map((l, i) => entry({ id: `u${i}`, created_at_ms: T0 + i * 1000, latency_ms: l, cost_usd: 0.5, prompt_tokens: 1, completion_tokens: 2 })),
      entry({ id: 'err', created_at_ms: T0 + 5, status: 500, error_type: 'server_error', latency_ms: null, prompt_tokens: null, completion_tokens: null, cost_usd: 0 }),
      entry({ id: 'unpriced', created_at_ms: T0 + HOUR + 1, model: 'kimi-latest', cost_usd: null }),
      entry({ id: 'openai', created_at_ms: T0 + 7, provider: 'openai', model: 'gpt-4o', latency_ms: 5 }),
    ]);
    const rows = await store.logs.usage({ group_by: 'model', interval: 'hour', from_ms: T0, to_ms: T0 + 2 * HOUR });
    expect(rows).toEqual([
      expect.objectContaining({ bucket_ms: T0, group: 'moonshot/kimi-k2.6', requests: 21, errors: 1, prompt_tokens: 20, completion_tokens: 40, cost_usd: 10, unpriced_requests: 0, p50_latency_ms: 100, p95_latency_ms: 190 }),
      expect.objectContaining({ bucket_ms: T0, group: 'openai/gpt-4o', requests: 1, p50_latency_ms: 5, p95_latency_ms: 5 }),
      expect.objectContaining({ bucket_ms: T0 + HOUR, group: 'moonshot/kimi-latest', requests: 1, cost_usd: null, unpriced_requests: 1 }),
    ]);
    const byProviderDay = await store.logs.usage({ group_by: 'provider', interval: 'day', from_ms: T0, to_ms: T0 + 86_400_000 });
    expect(byProviderDay.map((r) => [r.group, r.requests])).toEqual([
      ['moonshot', 22],
      ['openai', 1],
    ]);
    const filtered = await store.logs.usage({ group_by: 'customer', interval: 'day', from_ms: T0, to_ms: T0 + 86_400_000, provider: 'openai' });
    expect(filtered).toEqual([expect.objectContaining({ group: null, requests: 1 })]);
  });

  it('sums costs to the 1e-12 USD each record is kept to, without floating-point noise', async () => {
    const store = await memoryStore();
    // 0.1 + 0.2 is 0.30000000000000004 in floating point; /v1/usage showed sums like that.
    await store.logs.insert([entry({ id: 'a', created_at_ms: T0, cost_usd: 0.1 }), entry({ id: 'b', created_at_ms: T0 + 1, cost_usd: 0.2 })]);
    const rows = await store.logs.usage({ group_by: 'model', interval: 'hour', from_ms: T0, to_ms: T0 + HOUR });
    expect(rows.map((r) => r.cost_usd)).toEqual([0.3]);
  });

  it('deletes old records in bounded batches, oldest first', async () => {
    const store = await memoryStore();
    await store.logs.insert(Array.from({ length: 10 }, (_, i) => entry({ id: `r${i}`, created_at_ms: T0 + i })));
    expect(await store.logs.deleteOlderThan(T0 + 7, 3)).toBe(3);
    expect(await store.logs.get('r0')).toBeUndefined();
    expect(await store.logs.get('r3')).toBeDefined();
    expect(await store.logs.deleteOlderThan(T0 + 7, 100)).toBe(4);
    expect((await store.logs.list({ limit: 100 })).records).toHaveLength(3);
  });

  it('creates the file and its folder, migrates once, and refuses a newer schema', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moongate-store-'));
    dirs.push(dir);
    const path = join(dir, 'nested', 'moongate.db');
    const first = await SqliteStore.open(path);
    await first.logs.insert([entry({ id: 'kept' })]);
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(0);
    await first.close();
    // Closed cleanly: everything is in the database file, the write-ahead log is empty.
    expect(existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0).toBe(0);
    const second = await SqliteStore.open(path);
    expect(await second.logs.get('kept')).toBeDefined();
    await second.close();

    const raw = new Database(path);
    raw.exec("INSERT INTO moongate_migrations (version, name, applied_at) VALUES (999, 'future', 0)");
    raw.close();
    await expect(SqliteStore.open(path)).rejects.toThrow(/newer Moongate/);
  });

  it('opens from the config value and says no to PostgreSQL for now', async () => {
    const store = await openStore('sqlite::memory:', { thread: 'main' });
    await store.ping();
    await store.close();
    await expect(openStore('postgres://u@h/db')).rejects.toThrow(/PostgreSQL/);
    expect(parseStoreUrl('sqlite:./x.db', '/srv')).toEqual({ kind: 'sqlite', path: '/srv/x.db' });
    expect(defaultSpoolPath({ kind: 'sqlite', path: '/srv/x.db' })).toBe('/srv/x.db.spool.jsonl');
  });
});

describe('SqliteStore whose file goes away', () => {
  it('refuses writes as an outage once its file is deleted or replaced, instead of writing to a file nobody will read', async () => {
    const { renameSync, unlinkSync, writeFileSync } = await import('node:fs');
    const { storeUnavailable } = await import('./store-unavailable.js');
    const dir = mkdtempSync(join(tmpdir(), 'moongate-gone-'));
    dirs.push(dir);
    const path = join(dir, 'moongate.db');
    const store = await SqliteStore.open(path);
    stores.push(store);
    await store.logs.insert([entry({ id: 'before' })]);

    for (const suffix of ['', '-wal', '-shm']) unlinkSync(`${path}${suffix}`);
    const deleted = await store.logs.insert([entry({ id: 'after-delete' })]).catch((err: unknown) => err);
    expect(deleted).toBeInstanceOf(Error);
    expect((deleted as Error).message).toMatch(/was deleted while Moongate had it open/);
    expect(storeUnavailable(deleted)).toBe(true);
    await expect(store.ping()).rejects.toThrow(/deleted/);

    // Another file put in its place (a backup restored) is not the one open either.
    writeFileSync(`${path}.new`, '');
    renameSync(`${path}.new`, path);
    await expect(store.logs.insert([entry({ id: 'after-replace' })])).rejects.toThrow(/replaced by another file/);
  });
});
