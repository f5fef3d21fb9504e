import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { startGatewayOn } from '../helpers/stack.js';

/** Gateway keys over the admin API: lifecycle and every rejection, through a real gateway. */
const MASTER = 'master-key-for-tests-0001';

let sim: Simulator;
let gw: Awaited<ReturnType<typeof startGatewayOn>>;
beforeAll(async () => {
  sim = await startSimulator({ quiet: true });
  gw = await startGatewayOn(
    sim,
    `
master_key: ${MASTER}
providers:
  moonshot:
    regions: { global: \${SIM}/v1, cn: \${SIM}/cn/v1 }
    api_key: sk-keys-test
models:
  - { name: kimi, model: moonshot/kimi-k2.6 }
`,
  );
});
afterAll(async () => {
  await gw.close();
  await sim.close();
});
beforeEach(() => sim.reset());

async function admin(method: string, path: string, body?: unknown, token = MASTER): Promise<{ status: number; json: any }> {
  const res = await fetch(`${gw.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: await res.json() };
}

const clientFor = (key: string) => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
const hi = [{ role: 'user' as const, content: 'hi' }];

describe('gateway keys', () => {
  it('lives through create, use, list, get, update and revoke', async () => {
    const created = await admin('POST', '/admin/keys', { name: 'team-search', models: ['kimi', 'moonshot/*'], customer_identifier: 'acme' });
    expect(created.status).toBe(201);
    expect(created.json.key).toMatch(/^mg-/);
    expect(created.json).toMatchObject({ name: 'team-search', status: 'active', key_last4: created.json.key.slice(-4) });
    const { id, key } = created.json;

    const data = await clientFor(key).chat.completions.create({ model: 'kimi', messages: hi });
    expect(data.choices[0]!.message.content).toBeTruthy();

    const list = await admin('GET', '/admin/keys');
    const listed = list.json.data.find((k: any) => k.id === id);
    expect(listed).toMatchObject({ name: 'team-search', status: 'active' });
    expect(JSON.stringify(list.json)).not.toContain(key);

    const got = await admin('GET', `/admin/keys/${id}`);
    expect(got.json).toMatchObject({ id, spend_usd: expect.any(Number), customer_identifier: 'acme' });
    expect(got.json).not.toHaveProperty('key');
    expect(got.json).not.toHaveProperty('key_hash');

    const patched = await admin('PATCH', `/admin/keys/${id}`, { name: 'team-search-2', rpm: 100 });
    expect(patched.json).toMatchObject({ name: 'team-search-2', rpm: 100 });

    const revoked = await admin('DELETE', `/admin/keys/${id}`);
    expect(revoked.json.status).toBe('revoked');
    // Effective on the very next request.
    await expect(clientFor(key).chat.completions.create({ model: 'kimi', messages: hi })).rejects.toMatchObject({ status: 401, code: 'key_revoked' });
  });

  it('rejects requests without a key, with a wrong key, and an expired key', async () => {
    const none = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'kimi', messages: hi }) });
    expect(none.status).toBe(401);
    expect(((await none.json()) as any).error.code).toBe('missing_api_key');
    await expect(clientFor('mg-not-a-real-key').chat.completions.create({ model: 'kimi', messages: hi })).rejects.toMatchObject({ status: 401 });
    await expect(clientFor('sk-some-provider-key').chat.completions.create({ model: 'kimi', messages: hi })).rejects.toMatchObject({ status: 401 });

    // Two seconds ahead: the key is made and used once before then, on a busy machine too.
    const expiresAt = Date.now() + 2000;
    const soon = await admin('POST', '/admin/keys', { name: 'short-lived', expires_at: new Date(expiresAt).toISOString() });
    await clientFor(soon.json.key).chat.completions.create({ model: 'kimi', messages: hi });
    await new Promise((r) => setTimeout(r, expiresAt - Date.now() + 100));
    await expect(clientFor(soon.json.key).chat.completions.create({ model: 'kimi', messages: hi })).rejects.toMatchObject({ status: 401, code: 'key_expired' });
    expect(sim.requests.filter((r) => r.path.endsWith('/chat/completions'))).toHaveLength(1);
  });

  it("binds a key made for a customer to that customer: a request for another one is refused, as its log records in are", async () => {
    const { json } = await admin('POST', '/admin/keys', { name: 'acme-only', customer_identifier: 'acme' });
    const client = clientFor(json.key);
    await expect(client.chat.completions.create({ model: 'kimi', messages: hi, customer_identifier: 'globex' } as any)).rejects.toMatchObject({ status: 403, code: 'customer_not_allowed' });
    await expect(client.chat.completions.create({ model: 'kimi', messages: hi }, { headers: { 'x-moongate-customer': 'globex' } })).rejects.toMatchObject({ status: 403, code: 'customer_not_allowed' });
    expect((await client.chat.completions.create({ model: 'kimi', messages: hi, customer_identifier: 'acme' } as any)).choices).toHaveLength(1);
    expect((await client.chat.completions.create({ model: 'kimi', messages: hi })).choices).toHaveLength(1);
    // A key made for no customer may name any.
    const free = await admin('POST', '/admin/keys', { name: 'any-customer' });
    expect((await clientFor(free.json.key).chat.completions.create({ model: 'kimi', messages: hi, customer_identifier: 'globex' } as any)).choices).toHaveLength(1);
  });

  it('answers 403 for a model the key may not use', async () => {
    const { json } = await admin('POST', '/admin/keys', { name: 'k3-only', models: ['moonshot/kimi-k3'] });
    await expect(clientFor(json.key).chat.completions.create({ model: 'kimi', messages: hi })).rejects.toMatchObject({ status: 403, code: 'model_not_allowed' });
    const ok = await clientFor(json.key).chat.completions.create({ model: 'kimi-k3', messages: hi });
    expect(ok.choices[0]!.message.content).toBeTruthy();
  });

  it('lists only the models a key may use in /v1/models; a key without globs, and the master key, see all', async () => {
    const { json } = await admin('POST', '/admin/keys', { name: 'k3-list', models: ['moonshot/kimi-k3'] });
    const listed = (await clientFor(json.key).models.list()).data.map((m) => m.id);
    expect(listed).toContain('moonshot/kimi-k3');
    expect(listed).not.toContain('kimi');
    expect(listed).not.toContain('moonshot/kimi-k2.6');
    const open = await admin('POST', '/admin/keys', { name: 'all-models' });
    const all = (await clientFor(open.json.key).models.list()).data.map((m) => m.id);
    expect(all).toEqual(expect.arrayContaining(['kimi', 'moonshot/kimi-k2.6', 'moonshot/kimi-k3']));
    expect((await clientFor(MASTER).models.list()).data.map((m) => m.id)).toEqual(all);
  });

  it('answers 429 with retry-after past the key’s rpm', async () => {
    const { json } = await admin('POST', '/admin/keys', { name: 'slow', rpm: 2 });
    const client = clientFor(json.key);
    await client.chat.completions.create({ model: 'kimi', messages: hi });
    await client.chat.completions.create({ model: 'kimi', messages: hi });
    const err = await client.chat.completions.create({ model: 'kimi', messages: hi }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 429, code: 'rate_limit_exceeded' });
    expect(Number((err as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after'))).toBeGreaterThan(50);
  });

  it('keeps admin routes for the master key', async () => {
    const { json } = await admin('POST', '/admin/keys', { name: 'plain' });
    const denied = await admin('GET', '/admin/keys', undefined, json.key);
    expect(denied.status).toBe(403);
    expect(denied.json.error.code).toBe('admin_only');
  });

  it('validates key requests with a 400 naming the field', async () => {
    const bad = await admin('POST', '/admin/keys', { name: 'x', budget_usd: -1 });
    expect(bad.status).toBe(400);
    expect(bad.json.error.param).toBe('budget_usd');
    const unknown = await admin('POST', '/admin/keys', { name: 'x', budget: 5 });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.message).toContain('budget');
    const noName = await admin('POST', '/admin/keys', { rpm: 5 });
    expect(noName.status).toBe(400);
    expect(noName.json.error).toMatchObject({ param: 'name', message: 'Invalid key request: `name`: is required (a name for the key).' });
    expect((await admin('POST', '/admin/keys', { name: '' })).json.error.message).toBe('Invalid key request: `name`: must not be empty.');
    expect((await admin('POST', '/admin/keys', { name: 'n'.repeat(201) })).json.error.message).toBe('Invalid key request: `name`: must be 200 characters at most.');
    const missing = await admin('GET', '/admin/keys/key_nope');
    expect(missing.status).toBe(404);
    // An expiry must be the day the caller meant: no rolling 30 February into March, no free text.
    for (const expires_at of ['2026-02-30T00:00:00Z', '2026-04-31', 'Jan 1 2027', '0']) {
      const wrong = await admin('POST', '/admin/keys', { name: 'x', expires_at });
      expect([expires_at, wrong.status, wrong.json.error.param]).toEqual([expires_at, 400, 'expires_at']);
    }
    // What a key copies into every log record of its requests is bounded as a request's own fields.
    const longCustomer = await admin('POST', '/admin/keys', { name: 'x', customer_identifier: 'c'.repeat(257) });
    expect([longCustomer.status, longCustomer.json.error.param]).toEqual([400, 'customer_identifier']);
    expect(longCustomer.json.error.message).toBe("Invalid key request: `customer_identifier`: must be 256 characters at most, as a request's own.");
    const bigMetadata = await admin('POST', '/admin/keys', { name: 'x', metadata: { blob: 'm'.repeat(17_000) } });
    expect([bigMetadata.status, bigMetadata.json.error.param]).toEqual([400, 'metadata']);
    const { json: small } = await admin('POST', '/admin/keys', { name: 'x', customer_identifier: 'c'.repeat(256), metadata: { blob: 'm'.repeat(16_000) } });
    expect((await admin('PATCH', `/admin/keys/${small.id}`, { metadata: { blob: 'm'.repeat(17_000) } })).status).toBe(400);
    const leap = await admin('POST', '/admin/keys', { name: 'leap', expires_at: '2028-02-29T12:00:00Z' });
    expect(leap.json.expires_at).toBe('2028-02-29T12:00:00.000Z');
  });

  it('refuses an expires_at that has passed, on create and on update', async () => {
    const past = await admin('POST', '/admin/keys', { name: 'born-expired', expires_at: '2020-01-01T00:00:00Z' });
    expect(past.status).toBe(400);
    expect(past.json.error.param).toBe('expires_at');
    expect(past.json.error.message).toMatch(/^Invalid key request: `expires_at`: is in the past \(2020-01-01T00:00:00\.000Z\)/);
    expect((await admin('GET', '/admin/keys')).json.data.some((k: any) => k.name === 'born-expired')).toBe(false);

    const { json } = await admin('POST', '/admin/keys', { name: 'to-patch' });
    const patched = await admin('PATCH', `/admin/keys/${json.id}`, { expires_at: new Date(Date.now() - 1000).toISOString() });
    expect(patched.status).toBe(400);
    expect(patched.json.error.param).toBe('expires_at');
    expect(patched.json.error.message).toContain('is in the past');
    expect((await admin('GET', `/admin/keys/${json.id}`)).json).toMatchObject({ status: 'active', expires_at: null });
    // Still allowed: a time to come, and null to take the expiry away.
    expect((await admin('PATCH', `/admin/keys/${json.id}`, { expires_at: '2099-01-01T00:00:00Z' })).status).toBe(200);
    expect((await admin('PATCH', `/admin/keys/${json.id}`, { expires_at: null })).json.expires_at).toBeNull();
  });
});
