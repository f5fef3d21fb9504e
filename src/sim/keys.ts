import { createHash } from 'node:crypto';
import { INCORRECT_API_KEY, INVALID_AUTHENTICATION } from './errors.js';
import type { SimError, SimKey, SimRegion, SimTier } from './types.js';

/** A key the simulator accepted, with the account facts that drive quota and rate limits. */
export interface ResolvedKey {
  key: string;
  region: SimRegion;
  tier: SimTier | undefined;
  balance: number;
  /** `org-…<ak-…>` label Moonshot puts in 429 messages; derived from the key so it is stable. */
  org: string;
  /** The same label with a space before `<ak-…>`, as in Moonshot's insufficient-balance message. */
  orgSpaced: string;
}

export type AuthResult = { ok: true; key: ResolvedKey } | { ok: false; error: SimError };

export const DEFAULT_BALANCE = 100;

const TIER_IN_KEY = /-tier([0-5])(?:-|$)/;
const BEARER = /^bearer /i;

export class KeyBook {
  private readonly explicit = new Map<string, SimKey>();
  private readonly resolved = new Map<string, ResolvedKey>();

  constructor(keys: SimKey[] = []) {
    for (const k of keys) this.explicit.set(k.key, k);
  }

  /**
   * Moonshot's auth as observed: keys are bound to one platform, and a wrong-region, revoked or
   * whitespace-damaged key all get the same 401 "Invalid Authentication" (it does not trim).
   */
  authenticate(header: string | undefined, region: SimRegion): AuthResult {
    if (header === undefined || header === '' || !BEARER.test(header)) return fail(INVALID_AUTHENTICATION);
    const token = header.slice('Bearer '.length);
    if (token === '' || /\s/.test(token)) return fail(INVALID_AUTHENTICATION);

    const key = this.resolve(token);
    if (key === undefined) return fail(INCORRECT_API_KEY);
    if (key === 'revoked' || key.region !== region) return fail(INVALID_AUTHENTICATION);
    return { ok: true, key };
  }

  private resolve(token: string): ResolvedKey | 'revoked' | undefined {
    const cached = this.resolved.get(token);
    if (cached) return cached;
    const explicit = this.explicit.get(token);
    let key: ResolvedKey;
    if (explicit) {
      if (explicit.revoked) return 'revoked';
      key = makeKey(token, explicit.region, explicit.tier, explicit.balance ?? DEFAULT_BALANCE);
    } else {
      if (!token.startsWith('sk-')) return undefined;
      if (token.includes('revoked')) return 'revoked';
      const tierMatch = TIER_IN_KEY.exec(token);
      const tier = tierMatch ? (Number(tierMatch[1]) as SimTier) : undefined;
      const region: SimRegion = token.startsWith('sk-cn-') ? 'cn' : 'global';
      key = makeKey(token, region, tier, token.includes('nobalance') ? 0 : DEFAULT_BALANCE);
    }
    // Bounded so a benchmark cycling through many random keys cannot grow memory without limit.
    if (this.resolved.size > 10_000) this.resolved.clear();
    this.resolved.set(token, key);
    return key;
  }
}

function fail(error: SimError): AuthResult {
  return { ok: false, error };
}

function makeKey(key: string, region: SimRegion, tier: SimTier | undefined, balance: number): ResolvedKey {
  const hash = createHash('sha256').update(key).digest('hex');
  const org = `org-${hash.slice(0, 32)}`;
  const ak = `ak-${hash.slice(32, 52)}`;
  return { key, region, tier, balance, org: `${org}<${ak}>`, orgSpaced: `${org} <${ak}>` };
}
