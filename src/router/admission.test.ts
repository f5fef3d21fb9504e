import { describe, expect, it } from 'vitest';
import { GatewayError } from '../server/gateway-error.js';
import { Admission, NoUsableCandidate } from './admission.js';
import { InMemoryLimitCounters } from './limit-counters.js';

const never = new AbortController().signal;

describe('InMemoryLimitCounters', () => {
  it('enforces concurrency and frees the slot on release', async () => {
    const c = new InMemoryLimitCounters();
    const a = await c.tryAcquire('k', { concurrency: 1 }, 0);
    expect(a.ok).toBe(true);
    expect((await c.tryAcquire('k', { concurrency: 1 }, 0)).ok).toBe(false);
    if (a.ok) await c.release(a.lease, undefined);
    expect((await c.tryAcquire('k', { concurrency: 1 }, 0)).ok).toBe(true);
  });

  it('enforces RPM over a sliding minute, saying when a slot frees', async () => {
    let now = 0;
    const c = new InMemoryLimitCounters(() => now);
    for (let i = 0; i < 3; i++) {
      expect((await c.tryAcquire('k', { rpm: 3 }, 0)).ok).toBe(true);
      now += 1000;
    }
    const refused = await c.tryAcquire('k', { rpm: 3 }, 0);
    expect(refused).toEqual({ ok: false, retryAfterMs: 57_000, limit: 'rpm' });
    now = 60_001;
    expect((await c.tryAcquire('k', { rpm: 3 }, 0)).ok).toBe(true);
  });

  it('enforces TPM with estimates corrected by actual usage', async () => {
    const c = new InMemoryLimitCounters(() => 0);
    const first = await c.tryAcquire('k', { tpm: 1000 }, 900);
    expect(first.ok).toBe(true);
    expect((await c.tryAcquire('k', { tpm: 1000 }, 200)).ok).toBe(false);
    if (first.ok) await c.release(first.lease, 100);
    expect((await c.tryAcquire('k', { tpm: 1000 }, 200)).ok).toBe(true);
  });

  it('lets a request larger than the TPM limit through an empty window', async () => {
    const c = new InMemoryLimitCounters(() => 0);
    expect((await c.tryAcquire('k', { tpm: 100 }, 500)).ok).toBe(true);
  });

  it('counts a window holding only attempts that used nothing (released with 0 tokens) as empty', async () => {
    const c = new InMemoryLimitCounters(() => 0);
    const failed = await c.tryAcquire('k', { tpm: 100 }, 50);
    if (failed.ok) await c.release(failed.lease, 0);
    expect((await c.tryAcquire('k', { tpm: 100 }, 500)).ok).toBe(true);
    expect((await c.tryAcquire('k', { tpm: 100 }, 500)).ok).toBe(false);
  });
});

describe('Admission', () => {
  it('gives a freed slot to the request that has waited longest', async () => {
    const admission = new Admission(new InMemoryLimitCounters(), { maxWaitMs: 5_000, maxQueueSize: 10 });
    const one = { limitKey: 'moonshot/one', limits: { concurrency: 1 }, weight: 1 };
    const first = await admission.admit([one], 0, never);
    const admitted: number[] = [];
    const waiting = [0, 1, 2, 3].map((i) => admission.admit([one], 0, never).then((a) => (admitted.push(i), a)));
    await new Promise((r) => setTimeout(r, 20));
    await admission.release(first.lease, undefined);
    await expect.poll(() => admitted).toEqual([0]);
    for (let n = 2; n <= 4; n++) {
      await admission.release((await waiting[admitted.at(-1)!]!).lease, undefined);
      await expect.poll(() => admitted.length).toBe(n);
    }
    expect(admitted).toEqual([0, 1, 2, 3]);
  });

  it('counts requests in flight on a credential without limits too, for the operator', async () => {
    const admission = new Admission(new InMemoryLimitCounters(), { maxWaitMs: 0, maxQueueSize: 10 });
    const free = { limitKey: 'moonshot/free', limits: undefined, weight: 1 };
    const a = await admission.admit([free], 10, never);
    const b = await admission.admit([free], 10, never);
    expect(admission.inFlight('moonshot/free')).toBe(2);
    await admission.release(a.lease, 5);
    expect(admission.inFlight('moonshot/free')).toBe(1);
    await admission.release(b.lease, undefined);
    expect(admission.inFlight('moonshot/free')).toBe(0);
  });

  it('tries candidates in weighted random order: first in proportion to weight, for two candidates and for more', async () => {
    const share = async (weights: number[]): Promise<number[]> => {
      const admission = new Admission(new InMemoryLimitCounters(), { maxWaitMs: 0, maxQueueSize: 10 });
      const candidates = weights.map((weight, i) => ({ limitKey: `c${i}`, limits: undefined, weight }));
      const firsts = weights.map(() => 0);
      for (let i = 0; i < 20_000; i++) {
        const { candidate, lease } = await admission.admit(candidates, 0, never);
        firsts[Number(candidate.limitKey.slice(1))]!++;
        await admission.release(lease, undefined);
      }
      return firsts.map((n) => n / 20_000);
    };
    const [three, one] = await share([3, 1]);
    expect(three).toBeCloseTo(0.75, 1);
    expect(one).toBeCloseTo(0.25, 1);
    const [a, b, c] = await share([2, 1, 1]);
    expect(a).toBeCloseTo(0.5, 1);
    expect(b).toBeCloseTo(0.25, 1);
    expect(c).toBeCloseTo(0.25, 1);
  });

  it('with a fixed draw, puts the candidate with the smaller -log(1-u)/weight first; ties keep the given order', async () => {
    const first = async (draws: number[], weights: number[]): Promise<string> => {
      const random = (): number => draws.shift()!;
      const admission = new Admission(new InMemoryLimitCounters(), { maxWaitMs: 0, maxQueueSize: 10, random });
      const candidates = weights.map((weight, i) => ({ limitKey: `c${i}`, limits: undefined, weight }));
      return (await admission.admit(candidates, 0, never)).candidate.limitKey;
    };
    expect(await first([0.5, 0.5], [1, 3])).toBe('c1');
    expect(await first([0.5, 0.5], [3, 1])).toBe('c0');
    expect(await first([0.5, 0.5], [1, 1])).toBe('c0');
    expect(await first([0.9, 0.1], [1, 1])).toBe('c1');
  });

  const candidate = (limitKey: string, concurrency?: number) => ({ limitKey, limits: concurrency ? { concurrency } : undefined, weight: 1 });

  it('admits at once where a credential has no limits', async () => {
    const admission = new Admission(new InMemoryLimitCounters(), { maxWaitMs: 10, maxQueueSize: 10 });
    const { lease } = await admission.admit([candidate('a')], 0, never);
    // Its lease counts it in flight only, never against limits it does not have.
    expect(lease).toMatchObject({ key: 'a', unlimited: true });
  });

  it('skips a full credential for one with room', async () => {
    const admission = new Admission(new InMemoryLimitCounters(), { maxWaitMs: 10, maxQueueSize: 10 });
    await admission.admit([candidate('a', 1)], 0, never);
    const { candidate: chosen } = await admission.admit([candidate('a', 1), candidate('b', 1)], 0, never);
    expect(chosen.limitKey).toBe('b');
  });

  it('queues until a slot frees', async () => {
    const admission = new Admission(new InMemoryLimitCounters(), { maxWaitMs: 5_000, maxQueueSize: 10 });
    const first = await admission.admit([candidate('a', 1)], 0, never);
    const second = admission.admit([candidate('a', 1)], 0, never);
    await new Promise((r) => setTimeout(r, 20));
    expect(admission.queued).toBe(1);
    await admission.release(first.lease, undefined);
    await expect(second).resolves.toMatchObject({ candidate: { limitKey: 'a' } });
    expect(admission.queued).toBe(0);
  });

  it('answers 429 with retry-after once the wait is over', async () => {
    const admission = new Admission(new InMemoryLimitCounters(), { maxWaitMs: 30, maxQueueSize: 10 });
    await admission.admit([candidate('a', 1)], 0, never);
    const err = await admission.admit([candidate('a', 1)], 0, never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).status).toBe(429);
    expect((err as GatewayError).headers['retry-after']).toBe('1');
  });

  it('answers 429 at once when the queue is full', async () => {
    const admission = new Admission(new InMemoryLimitCounters(), { maxWaitMs: 5_000, maxQueueSize: 0 });
    await admission.admit([candidate('a', 1)], 0, never);
    const started = Date.now();
    await expect(admission.admit([candidate('a', 1)], 0, never)).rejects.toMatchObject({ status: 429 });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('passes over a candidate that may no longer be used when its turn comes, and says so when none is left', async () => {
    const admission = new Admission(new InMemoryLimitCounters(), { maxWaitMs: 5_000, maxQueueSize: 10 });
    const dead = new Set<string>();
    const usable = (c: { limitKey: string }) => !dead.has(c.limitKey);
    const a = await admission.admit([candidate('a', 1)], 0, never);
    const b = await admission.admit([candidate('b', 1)], 0, never);
    const waiting = admission.admit([candidate('a', 1), candidate('b', 1)], 0, never, { usable });
    await new Promise((r) => setTimeout(r, 20));
    // a's key is rejected, and the failure frees its slot: the waiting request keeps waiting for b.
    dead.add('a');
    await admission.release(a.lease, 0);
    await new Promise((r) => setTimeout(r, 20));
    expect(admission.queued).toBe(1);
    await admission.release(b.lease, undefined);
    await expect(waiting).resolves.toMatchObject({ candidate: { limitKey: 'b' } });

    const stuck = admission.admit([candidate('b', 1)], 0, never, { usable });
    await new Promise((r) => setTimeout(r, 20));
    dead.add('b');
    // Any wake-up (another credential's slot freeing) finds nothing left to wait for.
    await admission.release((await admission.admit([candidate('c', 1)], 0, never)).lease, undefined);
    await expect(stuck).rejects.toBeInstanceOf(NoUsableCandidate);
    expect(admission.queued).toBe(0);
  });

  it('stops waiting when the client goes away', async () => {
    const admission = new Admission(new InMemoryLimitCounters(), { maxWaitMs: 5_000, maxQueueSize: 10 });
    await admission.admit([candidate('a', 1)], 0, never);
    const controller = new AbortController();
    const waiting = admission.admit([candidate('a', 1)], 0, controller.signal);
    controller.abort();
    await expect(waiting).rejects.toThrow();
    expect(admission.queued).toBe(0);
  });
});
