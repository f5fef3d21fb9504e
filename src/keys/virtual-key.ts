import { hash, randomBytes } from 'node:crypto';

export type BudgetPeriod = 'day' | 'month' | 'total';

/** A gateway key as stored: the key itself is never kept, only its hash and last four characters. */
export interface VirtualKey {
  id: string;
  name: string;
  key_hash: string;
  key_last4: string;
  /** Globs over aliases and `provider/model` names; all models when absent. */
  models: string[] | null;
  budget_usd: number | null;
  budget_period: BudgetPeriod;
  rpm: number | null;
  tpm: number | null;
  /** Epoch ms. */
  expires_at: number | null;
  customer_identifier: string | null;
  metadata: Record<string, unknown> | null;
  created_at: number;
  revoked_at: number | null;
  /** Spend in the current budget period, and when that period started (epoch ms). */
  spend_usd: number;
  spend_period_start: number;
  spend_total_usd: number;
}

/** `mg-` and 43 characters of randomness (256 bits): unguessable, so a fast hash is enough. */
export function generateKey(): string {
  return `mg-${randomBytes(32).toString('base64url')}`;
}

/** Whether a token has the shape generateKey gives: anything else cannot be a gateway key. */
export function looksLikeKey(token: string): boolean {
  return token.length === 46 && /^mg-[A-Za-z0-9_-]{43}$/.test(token);
}

/** One-shot `hash`, not a `Hash` object: a third of the time, on every keyed request. */
export function hashKey(key: string): string {
  return hash('sha256', key, 'hex');
}

export function generateKeyId(): string {
  return `key_${randomBytes(9).toString('base64url')}`;
}

/** Start of the budget period that contains `now` (UTC). */
export function periodStart(period: BudgetPeriod, now: number): number {
  if (period === 'total') return 0;
  const d = new Date(now);
  if (period === 'day') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** When the period that began at `start` ends, which is when the next one begins (UTC); undefined for `total`, which never ends. */
export function periodEnd(period: BudgetPeriod, start: number): number | undefined {
  if (period === 'total') return undefined;
  if (period === 'day') return start + 86_400_000;
  const d = new Date(start);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/**
 * Is `start` one of `period`'s starts (0 for total, a UTC midnight for day, a UTC month's first
 * midnight for month)? A charge reckoned under terms a PATCH has since changed is not, and must not
 * move the key's period (the SQLite store asks the same in SQL).
 */
export function chargeFitsPeriod(period: BudgetPeriod, start: number): boolean {
  return periodStart(period, start) === start;
}

/** The key as the admin API shows it: never the hash. */
export function publicView(key: VirtualKey, now: number = Date.now()): Record<string, unknown> {
  const currentPeriod = periodStart(key.budget_period, now);
  const spend = key.spend_period_start === currentPeriod ? key.spend_usd : 0;
  return {
    id: key.id,
    name: key.name,
    key_last4: key.key_last4,
    models: key.models,
    budget_usd: key.budget_usd,
    budget_period: key.budget_period,
    rpm: key.rpm,
    tpm: key.tpm,
    expires_at: key.expires_at === null ? null : new Date(key.expires_at).toISOString(),
    customer_identifier: key.customer_identifier,
    metadata: key.metadata,
    created_at: new Date(key.created_at).toISOString(),
    revoked_at: key.revoked_at === null ? null : new Date(key.revoked_at).toISOString(),
    status: key.revoked_at !== null ? 'revoked' : key.expires_at !== null && key.expires_at <= now ? 'expired' : 'active',
    spend_usd: round(spend),
    spend_total_usd: round(key.spend_total_usd),
    budget_remaining_usd: key.budget_usd === null ? null : round(Math.max(0, key.budget_usd - spend)),
  };
}

function round(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}

/** A spend in a message, to the micro-dollar the key's public view shows (toFixed alone may round the other way). */
export function spendText(usd: number): string {
  return round(usd).toFixed(6);
}
