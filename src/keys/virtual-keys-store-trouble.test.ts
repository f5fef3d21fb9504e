import { describe, expect, it } from 'vitest';
import { InMemoryLimitCounters } from '../router/limit-counters.js';
import type { GatewayError } from '../server/gateway-error.js';
import { InMemoryKeyStore } from './key-store.js';
import type { VirtualKey } from './virtual-key.js';
import { VirtualKeys } from './virtual-keys.js';

/**
 * A key seen a moment ago must not make its requests wait on (or fail with) a store that is slow
 * or locked: proxying needs no store, and the log records are spooled meanwhile. Its refresh is
 * waited for briefly, then the copy in hand serves, for a bounded time.
 */
function setup() {
  let now = Date.UTC(2026, 10, 22, 12, 0, 0);
  const clock = () => now;
  const store = new InMemoryKeyStore();
  const keys = new VirtualKeys(store, new InMemoryLimitCounters(clock), clock);
  return { keys, store, advance: (ms: number) => (now += ms) };
}

async function failure(p: Promise<unknown>): Promise<GatewayError | Error> {
  try {
    await p;
  } catch (e) {
    return e as GatewayError;
  }
  throw new Error('expected a failure');
}

describe('VirtualKeys while the store is in trouble', () => {
  it('serves a key seen lately when its refresh does not come back in time, and takes the answer when it does', async () => {
    const { keys, store, advance } = setup();
    const { key, record } = await keys.create({ name: 'busy' });
    await keys.authenticate(key);
    // The store now answers only when let go (a lock held by another process).
    let letGo!: () => void;
    const find = store.findKeyByHash.bind(store);
    store.findKeyByHash = (hash) => new Promise<VirtualKey | undefined>((resolve) => (letGo = () => resolve(find(hash))));
    advance(1_001);
    const started = performance.now();
    expect((await keys.authenticate(key)).id).toBe(record.id);
    expect(performance.now() - started).toBeLessThan(1_000);
    // Revoked elsewhere meanwhile: once the store answers, the next request sees it.
    await store.updateKey(record.id, { revoked_at: Date.UTC(2026, 10, 22, 12, 0, 1) });
    letGo();
    await new Promise((resolve) => setImmediate(resolve));
    expect((await failure(keys.authenticate(key))) as GatewayError).toMatchObject({ status: 401, code: 'key_revoked' });
  });

  it('serves a key seen lately when its refresh fails, but not past a bound', async () => {
    const { keys, store, advance } = setup();
    const { key, record } = await keys.create({ name: 'steady' });
    await keys.authenticate(key);
    store.findKeyByHash = () => Promise.reject(new Error('SQLITE_BUSY: database is locked'));
    advance(1_001);
    expect((await keys.authenticate(key)).id).toBe(record.id);
    advance(30_000);
    expect((await keys.authenticate(key)).id).toBe(record.id);
    // Long past its last read, the copy is no longer trusted: the store's failure is the answer.
    advance(60_000);
    expect(await failure(keys.authenticate(key))).toMatchObject({ status: 503, code: 'store_unavailable', message: expect.stringMatching(/database is locked/) });
  });

  it('answers 503 store_unavailable, not a 500 internal error, for a key it cannot look up', async () => {
    const { keys, store } = setup();
    const { key } = await keys.create({ name: 'never seen' });
    store.findKeyByHash = () => Promise.reject(new Error('the store worker exited'));
    const err = (await failure(keys.authenticate(key))) as GatewayError;
    expect(err).toMatchObject({ status: 503, type: 'api_error', code: 'store_unavailable', headers: { 'retry-after': '1' } });
    expect(err.message).toMatch(/the store worker exited/);
  });

  it('still waits for the store after a change made here (revocation takes effect at once)', async () => {
    const { keys, store } = setup();
    const { key, record } = await keys.create({ name: 'revoked' });
    await keys.authenticate(key);
    await keys.revoke(record.id);
    store.findKeyByHash = () => Promise.reject(new Error('SQLITE_BUSY: database is locked'));
    expect(await failure(keys.authenticate(key))).toMatchObject({ status: 503, code: 'store_unavailable' });
  });
});
