import { concurrencyMessage, rpmMessage, simError, tpmMessage } from './errors.js';
import type { ResolvedKey } from './keys.js';
import type { SimError, SimTier } from './types.js';

export interface TierLimits {
  concurrency: number;
  rpm: number;
  tpm: number;
}

/** Moonshot's tiers (docs/moonshot.md): concurrency / RPM / TPM. TPD is not simulated. */
export const TIERS: Record<SimTier, TierLimits> = {
  0: { concurrency: 1, rpm: 3, tpm: 500_000 },
  1: { concurrency: 50, rpm: 200, tpm: 2_000_000 },
  2: { concurrency: 100, rpm: 500, tpm: 3_000_000 },
  3: { concurrency: 200, rpm: 5_000, tpm: 3_000_000 },
  4: { concurrency: 400, rpm: 5_000, tpm: 4_000_000 },
  5: { concurrency: 1_000, rpm: 10_000, tpm: 5_000_000 },
};

const WINDOW_MS = 60_000;

/** Timestamps (and token counts) inside a sliding one-minute window; a head index avoids shifting arrays. */
class Window {
  private times: number[] = [];
  private tokens: number[] = [];
  private head = 0;
  tokenSum = 0;

  prune(now: number): void {
    while (this.head < this.times.length && now - (this.times[this.head] ?? 0) >= WINDOW_MS) {
      this.tokenSum -= this.tokens[this.head] ?? 0;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.tokens = this.tokens.slice(this.head);
      this.head = 0;
    }
  }

  get count(): number {
    return this.times.length - this.head;
  }

  oldest(): number | undefined {
    return this.times[this.head];
  }

  add(now: number, tokens: number): void {
    this.times.push(now);
    this.tokens.push(tokens);
    this.tokenSum += tokens;
  }
}

interface KeyState {
  inFlight: number;
  window: Window;
}

export type AcquireResult = { ok: true; release: () => void } | { ok: false; error: SimError };

const NOOP_RELEASE = { ok: true as const, release: (): void => {} };

/** Per-key admission control with Moonshot's 429 texts. Keys without a tier are never limited. */
export class RateLimiter {
  private readonly states = new Map<string, KeyState>();

  constructor(private readonly now: () => number) {}

  acquire(key: ResolvedKey, promptTokens: number): AcquireResult {
    if (key.tier === undefined) return NOOP_RELEASE;
    const limits = TIERS[key.tier];
    let state = this.states.get(key.key);
    if (!state) {
      state = { inFlight: 0, window: new Window() };
      this.states.set(key.key, state);
    }
    const now = this.now();
    state.window.prune(now);

    if (state.inFlight >= limits.concurrency) {
      return { ok: false, error: simError(429, 'rate_limit_reached_error', concurrencyMessage(key.org, limits.concurrency, 1)) };
    }
    if (state.window.count >= limits.rpm) {
      const oldest = state.window.oldest() ?? now;
      const after = Math.max(1, Math.ceil((oldest + WINDOW_MS - now) / 1000));
      return { ok: false, error: simError(429, 'rate_limit_reached_error', rpmMessage(key.org, limits.rpm, after)) };
    }
    const current = state.window.tokenSum + promptTokens;
    if (current > limits.tpm) {
      return { ok: false, error: simError(429, 'rate_limit_reached_error', tpmMessage(key.org, current, limits.tpm)) };
    }

    state.window.add(now, promptTokens);
    state.inFlight++;
    const held = state;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        held.inFlight--;
      },
    };
  }

  reset(): void {
    // In-flight slots stay owned by their requests; only the windows and idle keys are forgotten.
    for (const [k, state] of this.states) {
      if (state.inFlight === 0) this.states.delete(k);
      else state.window = new Window();
    }
  }
}
