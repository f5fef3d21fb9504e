import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findModel } from '../../src/catalogue/catalogue.js';
import { GLOBAL_KEY } from '../helpers/stack.js';
import { startLogsStack } from '../helpers/logs-stack.js';
import type { LogsStack } from '../helpers/logs-stack.js';

/**
 * Keys and credentials against the real SQLite store: budgets charged with the catalogue's prices,
 * and no secret ever written in clear — checked in the raw bytes of the database files.
 */
const MASTER = 'master-keys-store-0001';
const SECRET = 'a-long-secret-for-the-store-test';
const BROUGHT = 'sk-brought-per-request-7777';
const STORED = 'sk-stored-credential-5555';

let stack: LogsStack;
beforeAll(async () => {
  process.env.MOONGATE_SECRET = SECRET;
  stack = await startLogsStack({
    configYaml: `
master_key: ${MASTER}
router: { retries: 0 }
providers:
  moonshot:
    regions: { global: \${SIM}/v1, cn: \${SIM}/cn/v1 }
    credentials: [{ name: main, api_key: ${GLOBAL_KEY}, models: [kimi-k2.6] }]
`,
  });
});
afterAll(async () => {
  await stack.close();
  delete process.env.MOONGATE_SECRET;
});

/** Every byte the store wrote: the database, its WAL and the spool. */
function storeBytes(): string {
  return readdirSync(stack.dir)
    .map((f) => readFileSync(join(stack.dir, f)).toString('latin1'))
    .join('\n');
}

describe('gateway keys with the SQLite store', () => {
  it('stops spending within one request’s cost of the budget, priced from the catalogue', async () => {
    const price = findModel('moonshot', 'kimi-k2.6')!.price!;
    const budget = 0.0004;
    const created = await stack.api('/admin/keys', { token: MASTER, body: { name: 'budgeted', budget_usd: budget, budget_period: 'total' } });
    expect(created.status).toBe(201);
    const client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: created.json.key, maxRetries: 0 });

    const costs: number[] = [];
    let refusal: unknown;
    for (let i = 0; i < 50 && refusal === undefined; i++) {
      try {
        const r = await client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'Tell me a short fact.' }] });
        const u = r.usage!;
        const cached = u.prompt_tokens_details?.cached_tokens ?? 0;
        costs.push(((u.prompt_tokens - cached) * price.input + cached * price.cached_input! + u.completion_tokens * price.output) / 1e6);
      } catch (err) {
        refusal = err;
      }
    }
    expect(refusal).toMatchObject({ status: 429, code: 'budget_exceeded' });
    const spent = costs.reduce((a, b) => a + b, 0);
    // Every request was admitted while under budget; the last one may cross it, by at most its own cost.
    expect(spent).toBeGreaterThanOrEqual(budget);
    expect(spent - costs.at(-1)!).toBeLessThan(budget);
    const key = await stack.api(`/admin/keys/${created.json.id}`, { token: MASTER });
    // The admin API shows spend to the micro-dollar.
    expect(key.json.spend_total_usd).toBeCloseTo(spent, 5);
    expect(key.json.budget_remaining_usd).toBe(0);
  });

  it('keeps the budget when its period is changed from day to total (the spend so far counts, and so do new charges)', async () => {
    const created = await stack.api('/admin/keys', { token: MASTER, body: { name: 'period-switch', budget_usd: 0.00001, budget_period: 'day' } });
    const client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: created.json.key, maxRetries: 0 });
    const ask = () => client.chat.completions.create({ model: 'moonshot/kimi-k2.6', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
    await ask();
    await expect(ask()).rejects.toMatchObject({ status: 429, code: 'budget_exceeded' });
    const patched = await stack.api(`/admin/keys/${created.json.id}`, { token: MASTER, method: 'PATCH', body: { budget_period: 'total' } });
    expect(patched.json).toMatchObject({ budget_period: 'total', spend_usd: patched.json.spend_total_usd, budget_remaining_usd: 0 });
    expect(patched.json.spend_usd).toBeGreaterThan(0);
    // It used to be let loose: the day's start stayed the period's start, which charges of the
    // total period never reach, so the spend read $0 for good.
    await expect(ask()).rejects.toMatchObject({ status: 429, code: 'budget_exceeded' });
    const raised = await stack.api(`/admin/keys/${created.json.id}`, { token: MASTER, method: 'PATCH', body: { budget_usd: 1 } });
    await ask();
    await new Promise((r) => setTimeout(r, 300));
    const after = await stack.api(`/admin/keys/${created.json.id}`, { token: MASTER });
    expect(after.json.spend_usd).toBeGreaterThan(raised.json.spend_usd);
    expect(after.json.spend_usd).toBe(after.json.spend_total_usd);
  });

  it('charges a request in flight while the period changes to the new period (it used to restart the spend)', async () => {
    const created = await stack.api('/admin/keys', { token: MASTER, body: { name: 'period-switch-in-flight', budget_usd: 0.00001, budget_period: 'day' } });
    const client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: created.json.key, maxRetries: 0 });
    const slow = client.chat.completions.create({ model: 'moonshot/kimi-k2.6', max_tokens: 5, messages: [{ role: 'user', content: 'hi [[sim:latency=600]]' }] });
    await new Promise((r) => setTimeout(r, 200));
    expect((await stack.api(`/admin/keys/${created.json.id}`, { token: MASTER, method: 'PATCH', body: { budget_period: 'total' } })).status).toBe(200);
    await slow;
    await new Promise((r) => setTimeout(r, 300));
    const key = await stack.api(`/admin/keys/${created.json.id}`, { token: MASTER });
    expect(key.json.spend_usd).toBeGreaterThan(0);
    expect(key.json.spend_usd).toBe(key.json.spend_total_usd);
    await expect(client.chat.completions.create({ model: 'moonshot/kimi-k2.6', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ status: 429, code: 'budget_exceeded' });
  });

  it('holds what requests in flight are expected to cost: a burst cannot run far past the budget', async () => {
    // kimi-k2.6: $0.95 in, $4 out per 1M tokens. A request without max_tokens is held at 1,024
    // completion tokens (~$0.0041), so about two fit in flight under $0.01; each costs far less.
    // Each answer takes 3 s, so that all of them are in flight together on a busy machine too.
    const created = await stack.api('/admin/keys', { token: MASTER, body: { name: 'burst', budget_usd: 0.01, budget_period: 'total' } });
    const client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: created.json.key, maxRetries: 0 });
    const ask = () => client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'Tell me a short fact. [[sim:latency=3000]]' }] });
    const results = await Promise.allSettled(Array.from({ length: 20 }, ask));
    const admitted = results.filter((r) => r.status === 'fulfilled').length;
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as { status: number; code: string; message: string }] : []));
    expect(admitted).toBeGreaterThanOrEqual(1);
    expect(admitted).toBeLessThanOrEqual(3);
    expect(refused.length).toBe(20 - admitted);
    for (const err of refused) expect(err).toMatchObject({ status: 429, code: 'budget_exceeded', message: expect.stringContaining('requests in flight') });
    // The holds go with the requests: the budget, far from spent, admits the next one.
    await expect(ask()).resolves.toMatchObject({ object: 'chat.completion' });
    const key = await stack.api(`/admin/keys/${created.json.id}`, { token: MASTER });
    expect(key.json.spend_total_usd).toBeLessThan(0.01);
  });

  it("holds a search fee for requests that offer $web_search (the fee alone is most of their cost)", async () => {
    // 100 completion tokens hold $0.0004; with the $0.004 fee a request holds ~$0.0044, so two fit
    // under $0.01 at once, where without the fee all ten would.
    const created = await stack.api('/admin/keys', { token: MASTER, body: { name: 'searchers', budget_usd: 0.01, budget_period: 'total' } });
    const client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: created.json.key, maxRetries: 0 });
    const search = () =>
      client.chat.completions.create({
        model: 'moonshot/kimi-k2.6',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'search the web for the moon [[sim:latency=3000]]' }],
        // @ts-expect-error Moonshot's builtin tool
        tools: [{ type: 'builtin_function', function: { name: '$web_search' } }],
      });
    const results = await Promise.allSettled(Array.from({ length: 10 }, search));
    const admitted = results.filter((r) => r.status === 'fulfilled').length;
    expect(admitted).toBeGreaterThanOrEqual(1);
    expect(admitted).toBeLessThanOrEqual(3);
  });

  it('charges the key what the log records, $web_search fees included', async () => {
    const created = await stack.api('/admin/keys', { token: MASTER, body: { name: 'searcher' } });
    const client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: created.json.key, maxRetries: 0 });
    const answer = await client.chat.completions.create({
      model: 'moonshot/kimi-k2.6',
      messages: [{ role: 'user', content: 'search the web for the moon' }],
      // @ts-expect-error Moonshot's builtin tool
      tools: [{ type: 'builtin_function', function: { name: '$web_search' } }],
    });
    expect(answer.choices[0]!.message.tool_calls?.[0]).toMatchObject({ function: { name: '$web_search' } });
    await stack.flush();
    const logs = await stack.api(`/v1/logs?key_id=${created.json.id}`, { token: MASTER });
    const record = logs.json.data[0];
    expect(record.cost_details.web_search_calls).toBe(1);
    expect(record.cost_details.web_search_usd).toBeGreaterThan(0);
    const key = await stack.api(`/admin/keys/${created.json.id}`, { token: MASTER });
    // The admin API shows spend to the micro-dollar; without the search fee it would be $0.004 less.
    expect(key.json.spend_total_usd).toBeCloseTo(record.cost_usd, 5);
  });

  it('charges a stream cut before its usage came an estimate, not nothing, and the log says so', async () => {
    const created = await stack.api('/admin/keys', { token: MASTER, body: { name: 'aborter' } });
    const client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: created.json.key, maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: 'moonshot/kimi-k2.6',
      stream: true,
      messages: [{ role: 'user', content: 'a long answer please [[sim:tokens=3000]] [[sim:token_delay=1]]' }],
    });
    let chunks = 0;
    for await (const chunk of stream) {
      void chunk;
      if (++chunks === 50) break; // leaving the loop aborts the request
    }
    let record: { status: number; completion_tokens: number | null; cost_usd: number | null; error_message: string | null } | undefined;
    for (let i = 0; i < 100 && record === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      await stack.flush();
      record = (await stack.api(`/v1/logs?key_id=${created.json.id}`, { token: MASTER })).json.data[0];
    }
    expect(record).toMatchObject({ status: 499 });
    // At least the 50 events read, and far fewer than the 3,000 the client asked for.
    expect(record!.completion_tokens).toBeGreaterThanOrEqual(50);
    expect(record!.completion_tokens).toBeLessThan(1000);
    expect(record!.error_message).toContain('estimated');
    expect(record!.cost_usd).toBeGreaterThan(0);
    const key = await stack.api(`/admin/keys/${created.json.id}`, { token: MASTER });
    expect(key.json.spend_total_usd).toBeCloseTo(record!.cost_usd!, 6);
  });

  it('writes no gateway key, brought key or stored provider key in clear anywhere in the store', async () => {
    const created = await stack.api('/admin/keys', { token: MASTER, body: { name: 'plain' } });
    const gatewayKey: string = created.json.key;
    const client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: gatewayKey, maxRetries: 0 });
    await client.chat.completions.create({
      model: 'moonshot/kimi-k2.6',
      messages: [{ role: 'user', content: 'hi' }],
      // @ts-expect-error gateway extension
      customer_credentials: { moonshot: { api_key: BROUGHT } },
    });
    expect(stack.sim.requests.at(-1)!.authorization).toBe(`Bearer ${BROUGHT}`);
    const added = await stack.api('/admin/credentials', { token: MASTER, body: { provider: 'moonshot', name: 'stored', api_key: STORED, models: ['kimi-k3'] } });
    expect(added.status).toBe(201);
    await client.chat.completions.create({ model: 'moonshot/kimi-k3', messages: [{ role: 'user', content: 'hi' }] });
    expect(stack.sim.requests.at(-1)!.authorization).toBe(`Bearer ${STORED}`);
    await stack.flush();

    const logs = await stack.api('/v1/logs?limit=100', { token: MASTER });
    expect(logs.text).toContain('[redacted]');
    const bytes = storeBytes();
    for (const secret of [gatewayKey, BROUGHT, STORED, GLOBAL_KEY, MASTER, SECRET]) {
      expect(logs.text, 'log API').not.toContain(secret);
      expect(bytes, 'database files').not.toContain(secret);
    }
    // The stored key is there, sealed: only its last four characters are readable.
    expect((await stack.api('/admin/credentials', { token: MASTER })).json.data.find((c: any) => c.name === 'stored').key_last4).toBe('5555');
  });
});
