import type { CredentialLimits } from '../config/types.js';

export interface Lease {
  key: string;
  /** A credential without limits: only counted in flight (by Admission), never in the windows. */
  unlimited?: true;
  /** Tokens counted against TPM when admitted (an estimate until release corrects it). */
  tokens: number;
  at: number;
}

export type AcquireResult = { ok: true; lease: Lease } | { ok: false; retryAfterMs: number; limit: 'concurrency' | 'rpm' | 'tpm' };

/**
 * Per-credential usage counters for admission control. Async so that a shared implementation
 * (Redis, for several replicas) can take this one's place.
 */
export interface LimitCounters {
  /**
   * `willWait`: refused, the caller queues for room under the key (rather than answering 429 at
   * once); shared counters then have releases elsewhere wake it (see onFreed).
   */
  tryAcquire(key: string, limits: CredentialLimits, tokens: number, willWait?: boolean): Promise<AcquireResult>;
  /** Gives the concurrency slot back; replaces the estimated tokens with the actual count when known. */
  release(lease: Lease, actualTokens: number | undefined): Promise<void>;
  inFlight(key: string): number;
  /**
   * Shared counters: calls `listener` when another replica frees room under a key (a release), so
   * a request queued here for it looks again at once rather than at its retry timer. This
   * process's own releases are not told here (Admission wakes its waiters itself).
   */
  onFreed?(listener: (key: string) => void): void;
}

const MINUTE = 60_000;

interface KeyState {
  inFlight: number;
  requests: number[];
  tokens: { at: number; n: number }[];
}

/**
 * A lease with the TPM entry it counted, so release can correct it to the actual usage. On the
 * lease, not in a WeakMap keyed by it: a WeakMap entry per request cost 0.3–1.5 µs here.
 */
interface CountedLease extends Lease {
  readonly entry: { at: number; n: number };
}

/** Exact sliding one-minute windows, in this process. */
export class InMemoryLimitCounters implements LimitCounters {
  private readonly keys = new Map<string, KeyState>();

  constructor(private readonly now: () => number = Date.now) {}

  async tryAcquire(key: string, limits: CredentialLimits, tokens: number): Promise<AcquireResult> {
    const now = this.now();
    const s = this.state(key, now);
    if (limits.concurrency !== undefined && s.inFlight >= limits.concurrency) {
      // A slot frees when a request ends; the waiter is woken then. Look again soon in any case.
      return { ok: false, retryAfterMs: 1_000, limit: 'concurrency' };
    }
    if (limits.rpm !== undefined && s.requests.length >= limits.rpm) {
      return { ok: false, retryAfterMs: s.requests[s.requests.length - limits.rpm]! + MINUTE - now, limit: 'rpm' };
    }
    if (limits.tpm !== undefined) {
      let used = 0;
      for (const t of s.tokens) used += t.n;
      // A request larger than the whole limit goes through a window that holds nothing, or only
      // attempts that used nothing (refused upstream: released with 0); it would never fit otherwise.
      if (used > 0 && used + tokens > limits.tpm) {
        let freed = 0;
        for (const t of s.tokens) {
          freed += t.n;
          if (used - freed + tokens <= limits.tpm) return { ok: false, retryAfterMs: t.at + MINUTE - now, limit: 'tpm' };
        }
        return { ok: false, retryAfterMs: MINUTE, limit: 'tpm' };
      }
    }
    s.inFlight++;
    s.requests.push(now);
    const entry = { at: now, n: tokens };
    s.tokens.push(entry);
    const lease: CountedLease = { key, tokens, at: now, entry };
    return { ok: true, lease };
  }

  async release(lease: Lease, actualTokens: number | undefined): Promise<void> {
    const s = this.keys.get(lease.key);
    if (!s) return;
    s.inFlight = Math.max(0, s.inFlight - 1);
    const entry = (lease as Partial<CountedLease>).entry;
    if (entry && actualTokens !== undefined) entry.n = actualTokens;
  }

  inFlight(key: string): number {
    return this.keys.get(key)?.inFlight ?? 0;
  }

  private state(key: string, now: number): KeyState {
    let s = this.keys.get(key);
    if (!s) {
      s = { inFlight: 0, requests: [], tokens: [] };
      this.keys.set(key, s);
    }
    const since = now - MINUTE;
    let i = 0;
    while (i < s.requests.length && s.requests[i]! <= since) i++;
    if (i > 0) s.requests.splice(0, i);
    let j = 0;
    while (j < s.tokens.length && s.tokens[j]!.at <= since) j++;
    if (j > 0) s.tokens.splice(0, j);
    return s;
  }
}
