import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredCredential } from '../credentials/credential-repository.js';
import type { VirtualKey } from '../keys/virtual-key.js';
import { SqliteStore } from './sqlite/sqlite-store.js';

let store: SqliteStore;
beforeEach(async () => {
  store = await SqliteStore.open(':memory:');
});
afterEach(() => store.close());

function key(over: Partial<VirtualKey> = {}): VirtualKey {
  return {
    id: 'key_1',
    name: 'team-a',
    key_hash: 'hash-1',
    key_last4: 'abcd',
    models: ['kimi', 'moonshot/*'],
    budget_usd: 10,
    budget_period: 'month',
    rpm: 100,
    tpm: null,
    expires_at: null,
    customer_identifier: 'acme',
    metadata: { team: 'a' },
    created_at: 1_000,
    revoked_at: null,
    spend_usd: 0,
    spend_period_start: 0,
    spend_total_usd: 0,
    ...over,
  };
}

describe('gateway keys in SQLite', () => {
  it('stores, finds by id and hash, and lists newest first', async () => {
    await store.keys.insertKey(key());
    await store.keys.insertKey(key({ id: 'key_2', key_hash: 'hash-2', created_at: 2_000, models: null, metadata: null }));
    expect(await store.keys.getKey('key_1')).toEqual(key());
    expect((await store.keys.findKeyByHash('hash-2'))?.id).toBe('key_2');
    expect(await store.keys.findKeyByHash('nope')).toBeUndefined();
    expect((await store.keys.listKeys()).map((k) => k.id)).toEqual(['key_2', 'key_1']);
  });

  it('refuses a second key with the same hash', async () => {
    await store.keys.insertKey(key());
    await expect(store.keys.insertKey(key({ id: 'key_9' }))).rejects.toThrow();
  });

  it('updates only the patched fields and returns the key', async () => {
    await store.keys.insertKey(key());
    const updated = await store.keys.updateKey('key_1', { name: 'renamed', models: null, revoked_at: 5_000 });
    expect(updated).toEqual(key({ name: 'renamed', models: null, revoked_at: 5_000 }));
    expect(await store.keys.updateKey('missing', { name: 'x' })).toBeUndefined();
  });

  it('adds spend atomically, starting over when a new period begins', async () => {
    const october = Date.UTC(2026, 9, 1);
    const november = Date.UTC(2026, 10, 1);
    await store.keys.insertKey(key({ spend_period_start: october }));
    await Promise.all([store.keys.addSpend('key_1', 1.5, october), store.keys.addSpend('key_1', 2, october)]);
    expect(await store.keys.getKey('key_1')).toMatchObject({ spend_usd: 3.5, spend_total_usd: 3.5, spend_period_start: october });
    await store.keys.addSpend('key_1', 0.25, november);
    expect(await store.keys.getKey('key_1')).toMatchObject({ spend_usd: 0.25, spend_total_usd: 3.75, spend_period_start: november });
    // A charge from the period before (kept by a shutdown, written later) counts in the total only.
    await store.keys.addSpend('key_1', 5, october);
    expect(await store.keys.getKey('key_1')).toMatchObject({ spend_usd: 0.25, spend_total_usd: 8.75, spend_period_start: november });
  });

  it('counts a charge reckoned under the terms before a period change in the new period, without moving it', async () => {
    // Switched from day to total while a request ran: its charge carries today's start.
    await store.keys.insertKey(key({ budget_period: 'total', spend_period_start: 0, spend_usd: 1, spend_total_usd: 1 }));
    await store.keys.addSpend('key_1', 0.5, Date.UTC(2026, 10, 30));
    await store.keys.addSpend('key_1', 0.25, 0);
    expect(await store.keys.getKey('key_1')).toMatchObject({ spend_usd: 1.75, spend_total_usd: 1.75, spend_period_start: 0 });
    // From day to month on a day other than the 1st: today's start is not a month's.
    await store.keys.updateKey('key_1', { budget_period: 'month', spend_period_start: Date.UTC(2026, 10, 1), spend_usd: 0.5 });
    await store.keys.addSpend('key_1', 0.5, Date.UTC(2026, 10, 30));
    expect(await store.keys.getKey('key_1')).toMatchObject({ spend_usd: 1, spend_period_start: Date.UTC(2026, 10, 1) });
  });
});

describe('stored provider credentials in SQLite', () => {
  const cred = (over: Partial<StoredCredential> = {}): StoredCredential => ({
    provider: 'moonshot',
    name: 'extra',
    api_key_sealed: 'sealed-blob',
    key_last4: 'wxyz',
    region: 'cn',
    base_url: null,
    weight: 2,
    limits: { concurrency: 5, rpm: 60 },
    models: ['kimi-k2.6'],
    created_at: 1_000,
    ...over,
  });

  it('stores, replaces by provider/name, lists and deletes', async () => {
    await store.credentials.insertCredential(cred());
    await store.credentials.insertCredential(cred({ name: 'other', region: null, base_url: 'https://example.test/v1', limits: null, models: null }));
    await store.credentials.insertCredential(cred({ api_key_sealed: 'resealed', weight: 3 }));
    expect(await store.credentials.listCredentials()).toEqual([
      cred({ api_key_sealed: 'resealed', weight: 3 }),
      cred({ name: 'other', region: null, base_url: 'https://example.test/v1', limits: null, models: null }),
    ]);
    expect(await store.credentials.deleteCredential('moonshot', 'extra')).toBe(true);
    expect(await store.credentials.deleteCredential('moonshot', 'extra')).toBe(false);
    expect((await store.credentials.listCredentials()).map((c) => c.name)).toEqual(['other']);
  });
});
