import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VirtualKey } from '../../keys/virtual-key.js';
import { SqliteStore } from '../sqlite/sqlite-store.js';
import { keepCharges, replayCharges } from './charges-file.js';

/**
 * Two gateways starting on one store, each with its own connection to the SQLite file, and a
 * charges file kept by the last shutdown. The first start moved the file aside under its own name
 * and wrote its charges one by one; the second, starting meanwhile, took that file for one left by
 * a killed start, moved it aside again and wrote the same charges: each was charged twice.
 * (Measured before the fix: key_a charged 2 and key_b 4 for kept charges of 1 and 2.)
 */
let dir: string;
let path: string;
let stores: SqliteStore[];
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'moongate-charges-race-'));
  path = join(dir, 'moongate.db');
  stores = [await SqliteStore.open(path), await SqliteStore.open(path)];
  await stores[0]!.keys.insertKey(key('key_a'));
  await stores[0]!.keys.insertKey(key('key_b'));
});
afterEach(async () => {
  for (const s of stores) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

function key(id: string): VirtualKey {
  return {
    id,
    name: id,
    key_hash: `hash-${id}`,
    key_last4: 'abcd',
    models: null,
    budget_usd: null,
    budget_period: 'total',
    rpm: null,
    tpm: null,
    expires_at: null,
    customer_identifier: null,
    metadata: null,
    created_at: 1_000,
    revoked_at: null,
    spend_usd: 0,
    spend_period_start: 0,
    spend_total_usd: 0,
  };
}

const spent = async (id: string) => (await stores[0]!.keys.getKey(id))!.spend_total_usd;

describe('the charges file replayed by two gateways starting at once', () => {
  it('applies each kept charge once', async () => {
    const file = `${path}.charges.jsonl`;
    writeFileSync(file, '{"id":"key_a","usd":1,"periodStart":0}\n{"id":"key_b","usd":2,"periodStart":0}\n');
    // The first start is held right after its store call (slow to answer) while the second
    // start runs from beginning to end.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = replayCharges(file, async (batch, charges) => {
      const applied = await stores[0]!.keys.addSpendOnce(batch, charges);
      await held;
      return applied;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await replayCharges(file, (batch, charges) => stores[1]!.keys.addSpendOnce(batch, charges));
    release();
    await first;
    expect({ key_a: await spent('key_a'), key_b: await spent('key_b') }).toEqual({ key_a: 1, key_b: 2 });
    expect(readdirSync(dir).filter((n) => n.includes('charges'))).toEqual([]);
  });

  it('keeps a shutdown’s charges made while another start replays, and applies a file once though a start died before deleting it', async () => {
    const file = `${path}.charges.jsonl`;
    await keepCharges(file, [{ id: 'key_a', usd: 1, periodStart: 0 }]);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const replaying = replayCharges(file, async (batch, charges) => {
      await held;
      return stores[0]!.keys.addSpendOnce(batch, charges);
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Another gateway shuts down meanwhile, keeping a charge of its own.
    await keepCharges(file, [{ id: 'key_b', usd: 2, periodStart: 0 }]);
    release();
    await replaying;
    // The shutdown's file was not seen by that start: it waits for the next, which applies it.
    // Put back after (a start killed between its store call and deleting the file), it is not applied again.
    const left = readdirSync(dir).filter((n) => n.startsWith('moongate.db.charges.jsonl.'));
    expect(left).toHaveLength(1);
    const copy = readFileSync(join(dir, left[0]!), 'utf8');
    await replayCharges(file, (batch, charges) => stores[1]!.keys.addSpendOnce(batch, charges));
    writeFileSync(join(dir, left[0]!), copy);
    await replayCharges(file, (batch, charges) => stores[0]!.keys.addSpendOnce(batch, charges));
    expect({ key_a: await spent('key_a'), key_b: await spent('key_b') }).toEqual({ key_a: 1, key_b: 2 });
    expect(readdirSync(dir).filter((n) => n.includes('charges'))).toEqual([]);
  });
});
