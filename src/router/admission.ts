import type { CredentialLimits } from '../config/types.js';
import { CallbackList } from '../server/callback-list.js';
import { GatewayError } from '../server/gateway-error.js';
import type { Lease, LimitCounters } from './limit-counters.js';
import type { StopSignal } from '../upstream/stop-switch.js';

export interface AdmissionCandidate {
  /** Counter key: the credential, shared by every model it serves. */
  limitKey: string;
  limits: CredentialLimits | undefined;
  weight: number;
}

/** The code of the 429 a request gets when no credential had room in time. */
export const CAPACITY_EXCEEDED = 'gateway_capacity_exceeded';

/**
 * Thrown by `admit` when every candidate has become unusable while the request waited (its key
 * rejected, its deployment resting): the router chooses again rather than send it there.
 */
export class NoUsableCandidate extends Error {
  constructor() {
    super('no candidate may be used any more');
  }
}

export interface AdmitOptions<C> {
  /** false: give the 429 at once rather than wait (the router has a fallback to try instead). */
  wait?: boolean;
  /**
   * Asked of each candidate at every try. The candidates were chosen before the wait began; one
   * whose key was rejected, or whose deployment started resting, meanwhile is passed over, or
   * the slot its failure frees would draw every waiting request into the same failure.
   */
  usable?: (candidate: C) => boolean;
}

export interface AdmissionOptions {
  maxWaitMs: number;
  maxQueueSize: number;
  random?: () => number;
}

/**
 * Tier-aware admission: a request goes to the first candidate (in weighted-random order) whose
 * credential has room under its concurrency, RPM and TPM limits. When none has, it waits in a
 * bounded queue — woken when any request ends (on any replica, with Redis) or a window frees up —
 * rather than collecting upstream 429s. Past the longest wait, or with the queue full, the caller
 * gets 429 + retry-after.
 */
export class Admission {
  private readonly waiters = new CallbackList();
  /** Requests in flight on credentials without limits, which the limit counters never see. */
  private readonly unlimitedInFlight = new Map<string, number>();

  constructor(
    private readonly counters: LimitCounters,
    private readonly options: AdmissionOptions,
  ) {
    // Room freed on another replica (shared counters) wakes the queue as a release here does.
    counters.onFreed?.(() => this.waiters.callAll());
  }

  get queued(): number {
    return this.waiters.size;
  }

  inFlight(limitKey: string): number {
    return this.counters.inFlight(limitKey) + (this.unlimitedInFlight.get(limitKey) ?? 0);
  }

  /**
   * The first candidate with room takes the request. With none, it waits (up to maxWaitMs) unless
   * `wait` is false (the router has a fallback to try instead) or every full credential is at a
   * per-minute limit that frees up too late: then the 429 comes at once. Rejects with
   * NoUsableCandidate when `usable` says no to every candidate.
   */
  async admit<C extends AdmissionCandidate>(candidates: C[], tokens: number, signal: StopSignal, { wait = true, usable }: AdmitOptions<C> = {}): Promise<{ candidate: C; lease: Lease | undefined }> {
    const deadline = Date.now() + (wait ? this.options.maxWaitMs : 0);
    for (;;) {
      let soonest = Infinity;
      let limitHit: string | undefined;
      // A concurrency slot frees up whenever a request ends, and so may tpm room (a request's actual
      // usage replaces its estimate); an rpm window only at a known time.
      let onlyTimedLimits = true;
      let anyUsable = false;
      for (const candidate of this.weightedOrder(candidates)) {
        if (usable && !usable(candidate)) continue;
        anyUsable = true;
        if (!candidate.limits) {
          this.unlimitedInFlight.set(candidate.limitKey, (this.unlimitedInFlight.get(candidate.limitKey) ?? 0) + 1);
          return { candidate, lease: { key: candidate.limitKey, unlimited: true, tokens, at: 0 } };
        }
        const result = await this.counters.tryAcquire(candidate.limitKey, candidate.limits, tokens, wait && this.waiters.size < this.options.maxQueueSize);
        if (result.ok) return { candidate, lease: result.lease };
        soonest = Math.min(soonest, result.retryAfterMs);
        limitHit = result.limit;
        if (result.limit !== 'rpm') onlyTimedLimits = false;
      }
      if (!anyUsable) throw new NoUsableCandidate();
      const now = Date.now();
      const tooLate = onlyTimedLimits && now + soonest > deadline;
      if (now >= deadline || tooLate || this.waiters.size >= this.options.maxQueueSize) {
        const seconds = Math.max(1, Math.ceil(soonest / 1000));
        const why = this.whyNoWait(wait, tooLate && now < deadline);
        throw new GatewayError(429, `Every credential for this model is at its ${limitHit} limit and ${why}. Retry after ${seconds} s.`, {
          type: 'rate_limit_error',
          code: CAPACITY_EXCEEDED,
          headers: { 'retry-after': String(seconds) },
        });
      }
      await this.wait(Math.min(soonest, deadline - now), signal);
    }
  }

  async release(lease: Lease | undefined, actualTokens: number | undefined): Promise<void> {
    if (!lease) return;
    if (lease.unlimited) {
      const n = (this.unlimitedInFlight.get(lease.key) ?? 1) - 1;
      if (n > 0) this.unlimitedInFlight.set(lease.key, n);
      else this.unlimitedInFlight.delete(lease.key);
      return;
    }
    await this.counters.release(lease, actualTokens);
    this.waiters.callAll();
  }

  /** Why a request with no credential free gets its 429 now. */
  private whyNoWait(waitAllowed: boolean, freesTooLate: boolean): string {
    if (this.waiters.size >= this.options.maxQueueSize) return 'the wait queue is full';
    if (!waitAllowed) return 'a fallback is tried instead of waiting';
    if (freesTooLate) return `none frees up within ${this.options.maxWaitMs} ms (router.max_queue_wait_ms)`;
    return `no capacity freed up within ${this.options.maxWaitMs} ms`;
  }

  private wait(ms: number, signal: StopSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.remove(waiting);
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        done();
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      const timer = setTimeout(done, Math.max(1, ms));
      const waiting = this.waiters.add(done);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private weightedOrder<C extends AdmissionCandidate>(candidates: C[]): C[] {
    if (candidates.length <= 1) return candidates;
    const random = this.options.random ?? Math.random;
    // Weighted random order: sort by -log(u)/w (Efraimidis–Spirakis). Two candidates (two
    // credentials, two regions) are the common case, and need no arrays of keys.
    if (candidates.length === 2) {
      const [a, b] = candidates as [C, C];
      const ka = -Math.log(1 - random()) / Math.max(a.weight, 1e-9);
      const kb = -Math.log(1 - random()) / Math.max(b.weight, 1e-9);
      return kb < ka ? [b, a] : candidates;
    }
    return candidates
      .map((c) => ({ c, k: -Math.log(1 - random()) / Math.max(c.weight, 1e-9) }))
      .sort((a, b) => a.k - b.k)
      .map((x) => x.c);
  }
}
