import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KeyEndedWhileRunning } from '../router/linked-abort.js';
import { InMemoryLimitCounters } from '../router/limit-counters.js';
import { StopSwitch } from '../upstream/stop-switch.js';
import { InMemoryKeyStore } from './key-store.js';
import { RECHECK_EVERY_MS } from './running-requests.js';
import { VirtualKeys } from './virtual-keys.js';

/** Revoking a key (or its expiry) stops the requests with it that are running. */
beforeEach(() => {
  vi.useFakeTimers({ now: Date.UTC(2026, 10, 22, 12, 0, 0) });
});
afterEach(() => {
  vi.useRealTimers();
});

function setup() {
  const store = new InMemoryKeyStore();
  const keys = new VirtualKeys(store, new InMemoryLimitCounters(Date.now), Date.now);
  return { keys, store };
}

/** A request admitted with the key, running until it is stopped. */
async function running(keys: VirtualKeys, token: string): Promise<StopSwitch> {
  const request = new StopSwitch();
  keys.startRequest(await keys.authenticate(token), request);
  return request;
}

/** Lets the store's answers (promises) come in. */
const settle = () => vi.advanceTimersByTimeAsync(0);

describe('VirtualKeys stopping the requests of a revoked key', () => {
  it('stops every running request of a key revoked here at once, with its 401, and no other key’s', async () => {
    const { keys } = setup();
    const revoked = await keys.create({ name: 'leaked' });
    const other = await keys.create({ name: 'other' });
    const a = await running(keys, revoked.key);
    const b = await running(keys, revoked.key);
    const c = await running(keys, other.key);

    await keys.revoke(revoked.record.id);

    expect([a.aborted, b.aborted, c.aborted]).toEqual([true, true, false]);
    const reason = a.reason as KeyEndedWhileRunning;
    expect(reason).toBeInstanceOf(KeyEndedWhileRunning);
    expect(reason).toMatchObject({ status: 401, type: 'authentication_error', code: 'key_revoked' });
    expect(reason.message).toBe(`Moongate: the gateway key (…${revoked.key.slice(-4)}) was revoked on 2026-11-22T12:00:00.000Z while this request was running, so the gateway stopped it.`);
    expect(b.reason).toBe(reason);
  });

  it('stops nothing for an update that does not revoke, nor a request that has ended', async () => {
    const { keys } = setup();
    const { key, record } = await keys.create({ name: 'kept' });
    const request = await running(keys, key);
    const endedRequest = new StopSwitch();
    keys.endRequest(keys.startRequest(await keys.authenticate(key), endedRequest));

    await keys.update(record.id, { name: 'renamed', budget_usd: 5, rpm: 10, expires_at: Date.now() + 60_000, metadata: { team: 'x' } });
    expect(request.aborted).toBe(false);

    await keys.revoke(record.id);
    expect(request.aborted).toBe(true);
    expect(endedRequest.aborted).toBe(false);
  });

  it('stops a request that starts with the copy it was admitted with after the key was revoked here', async () => {
    const { keys } = setup();
    const { key, record } = await keys.create({ name: 'raced' });
    const admitted = await keys.authenticate(key);
    await keys.revoke(record.id);
    const request = new StopSwitch();
    keys.startRequest(admitted, request);
    expect(request.reason).toMatchObject({ code: 'key_revoked' });
  });

  it('stops a long request within a recheck of its key being revoked in the store by another process', async () => {
    const { keys, store } = setup();
    const { key, record } = await keys.create({ name: 'revoked-elsewhere' });
    const request = await running(keys, key);
    let lookups = 0;
    const find = store.findKeyByHash.bind(store);
    store.findKeyByHash = (hash) => (lookups++, find(hash));

    // Another process revokes it: only the store knows.
    await store.updateKey(record.id, { revoked_at: Date.now() });
    await vi.advanceTimersByTimeAsync(RECHECK_EVERY_MS);
    expect(request.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(RECHECK_EVERY_MS);
    await settle();
    expect(lookups).toBe(1);
    expect(request.reason).toMatchObject({ status: 401, code: 'key_revoked' });
    // And the key's next request is refused from what the recheck read.
    await expect(keys.authenticate(key)).rejects.toMatchObject({ status: 401, code: 'key_revoked' });
  });

  it('rechecks by id a key whose token this process no longer holds', async () => {
    const { keys, store } = setup();
    // Never authenticated here: no token for it in the cache (as a key pushed out of a full cache).
    const { record } = await keys.create({ name: 'uncached' });
    const request = new StopSwitch();
    keys.startRequest(record, request);
    await store.updateKey(record.id, { revoked_at: Date.now() });
    await vi.advanceTimersByTimeAsync(RECHECK_EVERY_MS * 2);
    await settle();
    expect(request.reason).toMatchObject({ code: 'key_revoked' });
  });

  it('stops the running requests when a request of the key finds it revoked in the store', async () => {
    const { keys, store } = setup();
    const { key, record } = await keys.create({ name: 'revoked-elsewhere' });
    const request = await running(keys, key);
    await store.updateKey(record.id, { revoked_at: Date.now() });
    vi.advanceTimersByTime(1_001);
    await expect(keys.authenticate(key)).rejects.toMatchObject({ code: 'key_revoked' });
    expect(request.reason).toMatchObject({ code: 'key_revoked' });
  });

  it('does not read a key again that a request has just read, and reads it when none has', async () => {
    const { keys, store } = setup();
    const { key } = await keys.create({ name: 'busy' });
    await running(keys, key);
    let lookups = 0;
    const find = store.findKeyByHash.bind(store);
    store.findKeyByHash = (hash) => (lookups++, find(hash));
    // Looks at 2 s (marks the request) and 4 s (rechecks its key); a request of the key reads it at 3.5 s.
    await vi.advanceTimersByTimeAsync(3_500);
    await keys.authenticate(key);
    expect(lookups).toBe(1);
    await vi.advanceTimersByTimeAsync(500);
    expect(lookups).toBe(1);
    // At 6 s the copy is 2.5 s old: read again.
    await vi.advanceTimersByTimeAsync(2_000);
    expect(lookups).toBe(2);
  });

  it('stops a long request when its key expires, with key_expired, even while the store does not answer', async () => {
    const { keys, store } = setup();
    const { key } = await keys.create({ name: 'expiring', expires_at: Date.now() + 5_000 });
    const request = await running(keys, key);
    store.findKeyByHash = () => Promise.reject(new Error('SQLITE_BUSY: database is locked'));
    await vi.advanceTimersByTimeAsync(4_000);
    expect(request.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(RECHECK_EVERY_MS);
    await settle();
    expect(request.reason).toMatchObject({ status: 401, code: 'key_expired' });
    expect((request.reason as Error).message).toMatch(/^Moongate: the gateway key \(….{4}\) expired on 2026-11-22T12:00:05\.000Z while this request was running/);
  });
});
