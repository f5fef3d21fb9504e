import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GLOBAL_KEY } from '../helpers/stack.js';
import { allLogs, startLogsStack } from '../helpers/logs-stack.js';
import type { LogsStack } from '../helpers/logs-stack.js';

/** GET /v1/logs filters and cursor paging, GET /v1/usage, and who may see what. */
const MASTER = 'master-key-for-log-tests';
const T0 = Date.UTC(2026, 2, 1, 0, 0, 0);
const HOUR = 3_600_000;

let stack: LogsStack;
const seeded: any[] = [];

beforeAll(async () => {
  stack = await startLogsStack({
    configYaml: `
master_key: ${MASTER}
router: { retries: 0, cooldown: { fails: 1000 } }
providers:
  moonshot:
    regions: { global: \${SIM}/v1, cn: \${SIM}/cn/v1 }
    credentials:
      - { name: main, api_key: ${GLOBAL_KEY}, region: global }
`,
  });
  // 60 records over 6 hours: three models, two customers, a few errors.
  for (let i = 0; i < 60; i++) {
    seeded.push({
      id: `seed-${String(i).padStart(3, '0')}`,
      created_at: new Date(T0 + i * 6 * 60_000).toISOString(),
      provider: i % 4 === 3 ? 'openai' : 'moonshot',
      model: i % 4 === 3 ? 'gpt-4o' : i % 2 === 0 ? 'kimi-k2.6' : 'kimi-k2.5',
      customer_identifier: i % 3 === 0 ? 'acme' : 'globex',
      status: i % 10 === 9 ? 429 : 200,
      error_type: i % 10 === 9 ? 'rate_limit_error' : undefined,
      prompt_tokens: 100 + i,
      completion_tokens: 10,
      latency_ms: (i % 20) * 10 + 10,
    });
  }
  const res = await stack.api('/v1/logs', { body: seeded, token: MASTER });
  expect(res.status).toBe(201);
  expect(res.json.data).toHaveLength(60);
});
afterAll(() => stack.close());

const ids = (records: any[]) => records.map((r) => r.id);
const q = (query: string) => stack.api(`/v1/logs?${query}`, { token: MASTER });

describe('GET /v1/logs', () => {
  it('lists newest first and pages through every record exactly once with the cursor', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await q(`limit=7&source=ingested${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.json.data.length).toBeLessThanOrEqual(7);
      seen.push(...ids(res.json.data));
      cursor = res.json.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(9);
    expect(seen).toEqual(ids(seeded).reverse());
  });

  it('filters by model, provider, customer, status and time, alone and together', async () => {
    const expectIds = async (query: string, pick: (s: any, i: number) => boolean) => {
      const res = await q(`limit=1000&${query}`);
      expect(res.status, query).toBe(200);
      expect(ids(res.json.data).sort(), query).toEqual(ids(seeded.filter(pick)).sort());
    };
    await expectIds('model=kimi-k2.6', (s) => s.model === 'kimi-k2.6');
    await expectIds('model=moonshot/kimi-k2.5', (s) => s.model === 'kimi-k2.5');
    await expectIds('provider=openai', (s) => s.provider === 'openai');
    await expectIds('customer=acme', (s) => s.customer_identifier === 'acme');
    await expectIds('status=429', (s) => s.status === 429);
    await expectIds('status=error', (s) => s.status === 429);
    await expectIds('status=success&source=ingested', (s) => s.status === 200);
    await expectIds(`from=${new Date(T0 + HOUR).toISOString()}&to=${T0 + 2 * HOUR}`, (_s, i) => i >= 10 && i < 20);
    await expectIds(`model=kimi-k2.6&customer=acme&from=${(T0 + 3 * HOUR) / 1000}`, (s, i) => s.model === 'kimi-k2.6' && s.customer_identifier === 'acme' && i >= 30);
  });

  it('leaves bodies out when asked', async () => {
    const res = await q('limit=1&bodies=false');
    expect(res.json.data[0]).toMatchObject({ request: null, response: null });
  });

  it('answers 400 naming the bad parameter', async () => {
    for (const [query, param] of [
      ['limit=0', 'limit'],
      ['limit=5000', 'limit'],
      ['status=teapot', 'status'],
      ['from=yesterday', 'from'],
      ['from=2026-02-30', 'from'],
      ['to=Jan%201%202027', 'to'],
      ['from=2026-03-02&to=2026-03-01', 'from'],
      ['cursor=not-a-cursor', 'cursor'],
      ['source=elsewhere', 'source'],
      ['customr=acme', 'customr'],
      ['customer=acme&customer=globex', 'customer'],
    ]) {
      const res = await q(query!);
      expect(res.status, query).toBe(400);
      expect(res.json.error, query).toMatchObject({ type: 'invalid_request_error', param });
    }
  });

  it('answers 404 for an unknown id and 401 without the master key', async () => {
    const missing = await stack.api('/v1/logs/no-such-id', { token: MASTER });
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('log_not_found');
    // An id that is not valid percent-encoding is the caller's 400, not a 500.
    for (const path of ['/v1/logs/%ZZ', '/v1/logs/%E0%A4%A', '/admin/keys/%ZZ', '/admin/credentials/%ZZ/test']) {
      const bad = await stack.api(path, { token: MASTER });
      expect([path, bad.status, bad.json.error.code]).toEqual([path, 400, 'invalid_path']);
    }
    expect((await stack.api('/v1/logs')).status).toBe(401);
    expect((await stack.api('/v1/usage', { token: 'wrong' })).status).toBe(401);
  });
});

describe('GET /v1/usage', () => {
  it('groups by model per hour with p50/p95 latency', async () => {
    const res = await stack.api(`/v1/usage?group_by=model&interval=hour&from=${new Date(T0).toISOString()}&to=${new Date(T0 + 6 * HOUR).toISOString()}&source=ingested`, { token: MASTER });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ group_by: 'model', interval: 'hour' });
    const firstHourK26 = res.json.data.find((r: any) => r.bucket === new Date(T0).toISOString() && r.group === 'moonshot/kimi-k2.6');
    const rows = seeded.slice(0, 10).filter((s) => s.model === 'kimi-k2.6');
    const latencies = rows.map((s) => s.latency_ms).sort((a, b) => a - b);
    expect(firstHourK26).toMatchObject({
      requests: rows.length,
      errors: 0,
      prompt_tokens: rows.reduce((n, s) => n + s.prompt_tokens, 0),
      completion_tokens: rows.length * 10,
      p50_latency_ms: latencies[Math.ceil(0.5 * latencies.length) - 1],
      p95_latency_ms: latencies[Math.ceil(0.95 * latencies.length) - 1],
    });
    expect(res.json.data.reduce((n: number, r: any) => n + r.requests, 0)).toBe(60);
    expect(res.json.data.reduce((n: number, r: any) => n + r.errors, 0)).toBe(6);
  });

  it('groups by customer per day, and rejects unknown groupings', async () => {
    const res = await stack.api(`/v1/usage?group_by=customer&interval=day&from=${T0}&to=${T0 + 24 * HOUR}&source=ingested`, { token: MASTER });
    expect(res.json.data.map((r: any) => [r.group, r.requests])).toEqual([
      ['acme', 20],
      ['globex', 40],
    ]);
    const bad = await stack.api('/v1/usage?group_by=color', { token: MASTER });
    expect(bad.status).toBe(400);
    expect(bad.json.error.param).toBe('group_by');
    // A misspelt group_by must not silently group by model.
    const misspelt = await stack.api('/v1/usage?groupby=customer', { token: MASTER });
    expect(misspelt.status).toBe(400);
    expect(misspelt.json.error).toMatchObject({ type: 'invalid_request_error', param: 'groupby' });
    expect(misspelt.json.error.message).toContain('did you mean `group_by`?');
  });
});

describe('GET /v1/usage cost', () => {
  it('is null for a group whose requests are all unpriced, and the sum of the known costs otherwise', async () => {
    const day = T0 + 3 * 24 * HOUR;
    const at = (minutes: number) => new Date(day + minutes * 60_000).toISOString();
    const res = await stack.api('/v1/logs', {
      token: MASTER,
      body: [
        // kimi-latest has no price (it depends on the prompt's length tier).
        { model: 'kimi-latest', provider: 'moonshot', customer_identifier: 'only-unpriced', prompt_tokens: 10, completion_tokens: 5, created_at: at(1) },
        { model: 'kimi-latest', provider: 'moonshot', customer_identifier: 'mixed', prompt_tokens: 10, completion_tokens: 5, created_at: at(2) },
        { model: 'kimi-k2.6', provider: 'moonshot', customer_identifier: 'mixed', cost_usd: 0.25, created_at: at(3) },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.json.data.map((r: any) => r.cost_usd)).toEqual([null, null, 0.25]);
    const usage = await stack.api(`/v1/usage?group_by=customer&interval=day&from=${day}&to=${day + 24 * HOUR}`, { token: MASTER });
    expect(usage.status).toBe(200);
    const row = (group: string) => usage.json.data.find((r: any) => r.group === group);
    expect(row('only-unpriced')).toMatchObject({ requests: 1, cost_usd: null, unpriced_requests: 1 });
    expect(row('mixed')).toMatchObject({ requests: 2, cost_usd: 0.25, unpriced_requests: 1 });
  });
});

describe('gateway keys and logs', () => {
  it('a gateway key sees only its own records; the master key sees and filters all', async () => {
    const mk = async (name: string) => (await stack.api('/admin/keys', { body: { name }, token: MASTER })).json;
    const a = await mk('team-a');
    const b = await mk('team-b');
    const chat = (key: string) => new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: key, maxRetries: 0 }).chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi' }] });
    await Promise.all([chat(a.key), chat(a.key), chat(b.key)]);
    await stack.flush();

    const asA = await stack.api('/v1/logs?limit=100', { token: a.key });
    expect(asA.status).toBe(200);
    expect(asA.json.data).toHaveLength(2);
    expect(asA.json.data.every((r: any) => r.key_id === a.id)).toBe(true);
    // Asking for another key's records does not widen what a key sees.
    // Asking for another key's records finds none (it used to answer with its own, under the wrong filter).
    const sneaky = await stack.api(`/v1/logs?key_id=${b.id}`, { token: a.key });
    expect(sneaky.json.data).toEqual([]);
    expect((await stack.api(`/v1/usage?key_id=${b.id}`, { token: a.key })).json.data).toEqual([]);
    expect((await stack.api(`/v1/logs?key_id=${a.id}`, { token: a.key })).json.data.length).toBeGreaterThan(0);
    const other = await stack.api(`/v1/logs/${(await stack.api(`/v1/logs?key_id=${b.id}`, { token: MASTER })).json.data[0].id}`, { token: a.key });
    expect(other.status).toBe(404);

    const asMaster = await stack.api(`/v1/logs?key_id=${b.id}`, { token: MASTER });
    expect(asMaster.json.data).toHaveLength(1);
    const byKey = await stack.api('/v1/usage?group_by=key&interval=day', { token: MASTER });
    expect(byKey.json.data.find((r: any) => r.group === a.id)?.requests).toBe(2);
    const usageAsB = await stack.api('/v1/usage?group_by=key&interval=day', { token: b.key });
    expect(usageAsB.json.data.map((r: any) => r.group)).toEqual([b.id]);

    // Logs a key sends in are its own, whatever key_id the body claims.
    const ingested = await stack.api('/v1/logs', { body: { model: 'kimi-k2.6', key_id: a.id }, token: b.key });
    expect(ingested.json.key_id).toBe(b.id);
    expect((await allLogs({ ...stack, api: (p: string, init?: any) => stack.api(p, { ...init, token: b.key }) } as LogsStack)).length).toBe(2);
  });
});
