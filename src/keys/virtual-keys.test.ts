import { describe, expect, it } from 'vitest';
import { InMemoryLimitCounters } from '../router/limit-counters.js';
import type { GatewayError } from '../server/gateway-error.js';
import { InMemoryKeyStore } from './key-store.js';
import { modelAllowed } from './model-globs.js';
import { hashKey, publicView } from './virtual-key.js';
import { VirtualKeys } from './virtual-keys.js';
import type { HeldAmounts } from './held-amounts.js';

function setup(start = Date.UTC(2026, 10, 22, 12, 0, 0)) {
  let now = start;
  const clock = () => now;
  const store = new InMemoryKeyStore();
  const keys = new VirtualKeys(store, new InMemoryLimitCounters(clock), clock);
  return { keys, store, advance: (ms: number) => (now += ms), at: (t: number) => (now = t), clock };
}

async function failure(p: Promise<unknown> | (() => unknown)): Promise<GatewayError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return e as GatewayError;
  }
  throw new Error('expected a failure');
}

describe('VirtualKeys', () => {
  it('issues mg- keys and keeps only their hash', async () => {
    const { keys, store } = setup();
    const { key, record } = await keys.create({ name: 'team-a' });
    expect(key).toMatch(/^mg-[A-Za-z0-9_-]{43}$/);
    const stored = (await store.getKey(record.id))!;
    expect(stored.key_hash).toBe(hashKey(key));
    expect(JSON.stringify(stored)).not.toContain(key);
    expect(JSON.stringify(publicView(stored))).not.toContain(stored.key_hash);
    expect((await keys.authenticate(key)).id).toBe(record.id);
  });

  it('asks the store once for a key that many requests present at the same moment', async () => {
    const { keys, store, advance } = setup();
    const { key, record } = await keys.create({ name: 'busy' });
    let lookups = 0;
    const find = store.findKeyByHash.bind(store);
    store.findKeyByHash = (hash) => (lookups++, find(hash));
    const found = await Promise.all(Array.from({ length: 50 }, () => keys.authenticate(key)));
    expect(found.every((k) => k.id === record.id)).toBe(true);
    expect(lookups).toBe(1);
    // Cached for a second, then read again: once.
    await Promise.all(Array.from({ length: 50 }, () => keys.authenticate(key)));
    expect(lookups).toBe(1);
    advance(1_001);
    await Promise.all(Array.from({ length: 50 }, () => keys.authenticate(key)));
    expect(lookups).toBe(2);
    // A slow answer is fresh from when it came: the next request does not ask again at once.
    store.findKeyByHash = async (hash) => (lookups++, advance(1_500), find(hash));
    advance(1_001);
    await keys.authenticate(key);
    await keys.authenticate(key);
    expect(lookups).toBe(3);
  });

  it('asks the store about an unknown key once a second at most', async () => {
    const { keys, store, advance } = setup();
    let lookups = 0;
    const find = store.findKeyByHash.bind(store);
    store.findKeyByHash = (hash) => (lookups++, find(hash));
    const wrong = `mg-${'w'.repeat(43)}`;
    for (let i = 0; i < 20; i++) expect((await failure(keys.authenticate(wrong))).code).toBe('invalid_api_key');
    expect(lookups).toBe(1);
    advance(1_001);
    await failure(keys.authenticate(wrong));
    expect(lookups).toBe(2);
  });

  it('refuses tokens that cannot be a gateway key without asking the store, and remembers none of them', async () => {
    const { keys, store } = setup();
    let lookups = 0;
    const find = store.findKeyByHash.bind(store);
    store.findKeyByHash = (hash) => (lookups++, find(hash));
    for (const token of ['mg-wrong', `mg-${'x'.repeat(12_000)}`, `mg-${'!'.repeat(43)}`]) {
      expect((await failure(keys.authenticate(token))).code).toBe('invalid_api_key');
    }
    expect(lookups).toBe(0);
    expect((keys as unknown as { unknown: Map<string, number> }).unknown.size).toBe(0);
  });

  it('rejects unknown, revoked and expired keys with 401, revocation taking effect at once', async () => {
    const { keys, advance, clock } = setup();
    expect((await failure(keys.authenticate('mg-nope'))).code).toBe('invalid_api_key');
    const { key, record } = await keys.create({ name: 'a' });
    await keys.authenticate(key);
    const first = await keys.revoke(record.id);
    const revoked = await failure(keys.authenticate(key));
    expect([revoked.status, revoked.code]).toEqual([401, 'key_revoked']);
    advance(5_000);
    expect((await keys.revoke(record.id))?.revoked_at).toBe(first?.revoked_at);

    const temp = await keys.create({ name: 'b', expires_at: clock() + 60_000 });
    await keys.authenticate(temp.key);
    advance(10 * 24 * 3600_000);
    expect((await failure(keys.authenticate(temp.key))).code).toBe('key_expired');
  });

  it('allows models by glob over the requested name and a bare name’s provider/model', async () => {
    const { keys } = setup();
    const { record } = await keys.create({ name: 'a', models: ['moonshot/kimi-*', 'fast'] });
    keys.checkModel(record, 'moonshot/kimi-k2.6');
    keys.checkModel(record, 'kimi-k3');
    keys.checkModel(record, 'fast');
    const denied = await failure(() => keys.checkModel(record, 'openai/gpt-4.1'));
    expect([denied.status, denied.code]).toEqual([403, 'model_not_allowed']);
    expect(denied.message).toContain('moonshot/kimi-*');
  });

  it('counts what requests in flight are expected to spend against the budget, until they are released', async () => {
    const { keys } = setup();
    const { key } = await keys.create({ name: 'a', budget_usd: 1 });
    const k = await keys.authenticate(key);
    const first = keys.hold(k, 0.6);
    keys.checkBudget(k); // 0.6 held of 1: another may start
    const second = keys.hold(k, 0.5);
    const refused = await failure(() => keys.checkBudget(k));
    expect([refused.status, refused.code, refused.headers['retry-after']]).toEqual([429, 'budget_exceeded', '1']);
    expect(refused.message).toContain('requests in flight are expected to spend about $1.100000 more');
    first();
    first(); // a second release changes nothing
    keys.checkBudget(k);
    second();
    keys.hold(k, 0)(); // nothing to hold: nothing to release
    keys.checkBudget(k);
  });

  it('holds at most the budget, so an absurd estimate cannot swallow the others and stay behind', async () => {
    const { keys } = setup();
    const { key } = await keys.create({ name: 'a', budget_usd: 0.01 });
    const k = await keys.authenticate(key);
    const small = keys.hold(k, 0.0041);
    const huge = keys.hold(k, 9e13); // max_tokens of 10^19
    expect((await failure(() => keys.checkBudget(k))).message).toContain('about $0.014100 more');
    huge();
    small();
    keys.checkBudget(k);
    expect([...(keys as unknown as { held: HeldAmounts }).held.keys()]).toEqual([]);
  });

  it('names the spend in a budget refusal as GET /admin/keys shows it', async () => {
    const { keys, clock } = setup();
    const { key, record } = await keys.create({ name: 'a', budget_usd: 0.0001, budget_period: 'day' });
    const k = await keys.authenticate(key);
    // 0.0001335 is a hair below itself in binary: toFixed(6) said $0.000133 where the key showed 0.000134.
    await keys.settle(k, undefined, 0.0001335, 10);
    const over = await failure(() => keys.checkBudget(k));
    const shown = publicView((await keys.get(record.id))!, clock()).spend_usd as number;
    expect(shown).toBe(0.000134);
    expect(over.message).toContain(`has spent $${shown.toFixed(6)} of its $0.0001 per-day budget`);
  });

  it('stops a key once its period’s spend reaches the budget, and resets with the period', async () => {
    const { keys, at, clock } = setup(Date.UTC(2026, 10, 22, 23, 0, 0));
    const { key, record } = await keys.create({ name: 'a', budget_usd: 0.01, budget_period: 'day' });
    let k = await keys.authenticate(key);
    keys.checkBudget(k);
    await keys.settle(k, undefined, 0.006, 10);
    keys.checkBudget(await keys.authenticate(key));
    await keys.settle(k, undefined, 0.006, 10);
    const over = await failure(() => keys.checkBudget(k));
    expect([over.status, over.code, over.type]).toEqual([429, 'budget_exceeded', 'insufficient_quota']);
    expect(over.message).toContain('$0.012000 of its $0.01 per-day budget');
    expect(over.headers['retry-after']).toBe('3600');
    at(Date.UTC(2026, 10, 23, 0, 0, 1));
    k = await keys.authenticate(key);
    keys.checkBudget(k);
    expect(publicView((await keys.get(record.id))!, clock())).toMatchObject({ spend_usd: 0, spend_total_usd: 0.012 });
  });

  it('keeps enforcing the budget when its period changes: a key moved from day to total or month is not let loose', async () => {
    const { keys, at } = setup(Date.UTC(2026, 10, 22, 12, 0, 0));
    const { key, record } = await keys.create({ name: 'a', budget_usd: 0.01, budget_period: 'day' });
    await keys.settle(await keys.authenticate(key), undefined, 0.004, 10);
    at(Date.UTC(2026, 10, 23, 12, 0, 0));
    await keys.settle(await keys.authenticate(key), undefined, 0.004, 10);
    // Day to month: today's spend is this month's too (yesterday's is not known to the period spend).
    await keys.update(record.id, { budget_period: 'month' });
    expect(publicView((await keys.get(record.id))!, Date.UTC(2026, 10, 23, 12, 0, 0))).toMatchObject({ spend_usd: 0.004, spend_total_usd: 0.008 });
    await keys.settle(await keys.authenticate(key), undefined, 0.004, 10);
    expect(publicView((await keys.get(record.id))!, Date.UTC(2026, 10, 23, 12, 0, 0))).toMatchObject({ spend_usd: 0.008 });
    // Month to total: everything the key ever spent counts.
    await keys.update(record.id, { budget_period: 'total' });
    expect(publicView((await keys.get(record.id))!, Date.UTC(2026, 10, 23, 12, 0, 0))).toMatchObject({ spend_usd: 0.012, spend_total_usd: 0.012 });
    const over = await failure(async () => keys.checkBudget(await keys.authenticate(key)));
    expect([over.status, over.code]).toEqual([429, 'budget_exceeded']);
    // And the next charge still counts in the period's spend.
    await keys.update(record.id, { budget_usd: 1 });
    await keys.settle(await keys.authenticate(key), undefined, 0.004, 10);
    expect(publicView((await keys.get(record.id))!, Date.UTC(2026, 10, 23, 12, 0, 0))).toMatchObject({ spend_usd: 0.016, spend_total_usd: 0.016 });
  });

  it('repairs a key switched to total before that kept its budget, when its period is set again', async () => {
    const { keys, store } = setup(Date.UTC(2026, 10, 22, 12, 0, 0));
    const { key, record } = await keys.create({ name: 'a', budget_usd: 0.01, budget_period: 'total' });
    // What a switch from day to total used to leave: today as the start of the total period.
    await store.addSpend(record.id, 0.05, 0);
    await store.updateKey(record.id, { spend_usd: 0.004, spend_period_start: Date.UTC(2026, 10, 22) });
    keys.checkBudget(await keys.authenticate(key));
    await keys.update(record.id, { budget_period: 'total' });
    expect(publicView((await keys.get(record.id))!, Date.UTC(2026, 10, 22, 12, 0, 0))).toMatchObject({ spend_usd: 0.05, spend_total_usd: 0.05 });
    expect((await failure(async () => keys.checkBudget(await keys.authenticate(key)))).code).toBe('budget_exceeded');
  });

  it('charges a request that was in flight when the period changed to the new period', async () => {
    const { keys, advance } = setup(Date.UTC(2026, 10, 22, 12, 0, 0));
    const { key, record } = await keys.create({ name: 'a', budget_usd: 0.01, budget_period: 'day' });
    const streaming = await keys.authenticate(key);
    await keys.update(record.id, { budget_period: 'total' });
    // A long stream ends after the change, and after the key's cache entry has aged.
    advance(60_000);
    await keys.settle(streaming, undefined, 0.02, 10);
    expect(publicView((await keys.get(record.id))!, Date.UTC(2026, 10, 22, 12, 1, 0))).toMatchObject({ spend_usd: 0.02, spend_total_usd: 0.02 });
    const over = await failure(async () => keys.checkBudget(await keys.authenticate(key)));
    expect([over.status, over.code]).toEqual([429, 'budget_exceeded']);
  });

  it('limits requests per minute exactly, over a sliding window', async () => {
    const { keys, advance } = setup();
    const { key } = await keys.create({ name: 'a', rpm: 3 });
    const k = await keys.authenticate(key);
    for (let i = 0; i < 3; i++) {
      await keys.admit(k, 0);
      advance(10_000);
    }
    const over = await failure(keys.admit(k, 0));
    expect([over.status, over.code]).toEqual([429, 'rate_limit_exceeded']);
    expect(over.headers['retry-after']).toBe('30');
    advance(30_000);
    await keys.admit(k, 0);
  });

  it('counts tokens per minute from the estimate, corrected by the actual count', async () => {
    const { keys } = setup();
    const { key } = await keys.create({ name: 'a', tpm: 1000 });
    const k = await keys.authenticate(key);
    const lease = await keys.admit(k, 900);
    await expect(keys.admit(k, 200)).rejects.toMatchObject({ status: 429 });
    await keys.settle(k, lease, null, 100);
    await keys.admit(k, 200);
  });
});

describe('modelAllowed', () => {
  it('matches globs', () => {
    expect(modelAllowed(null, ['anything'])).toBe(true);
    expect(modelAllowed([], ['anything'])).toBe(false);
    expect(modelAllowed(['moonshot/*'], ['moonshot/kimi-k2.6'])).toBe(true);
    expect(modelAllowed(['kimi-k2.?'], ['kimi-k2.6'])).toBe(true);
    expect(modelAllowed(['kimi-k2.?'], ['kimi-k2.60'])).toBe(false);
    expect(modelAllowed(['a.b'], ['axb'])).toBe(false);
  });
});
