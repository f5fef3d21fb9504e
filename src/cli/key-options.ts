/**
 * The options of `moongate keys create`, checked before anything is sent: an operator restricting
 * a key must never end up with a key that is less restricted than they asked for, or with a
 * setting the gateway would keep but never use.
 */
import { InvalidArgumentError } from 'commander';
import { isoTimeMs } from '../server/iso-time.js';

export const BUDGET_PERIODS = ['day', 'month', 'total'] as const;

/**
 * `--models 'kimi,moonshot/*'` → the globs. An empty list is refused rather than dropped: dropped,
 * it would create a key allowed every model.
 */
export function parseModels(value: string): string[] {
  const globs = value
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  if (globs.length === 0) {
    throw new InvalidArgumentError('--models must name at least one model glob, e.g. "kimi,moonshot/*"; leave --models out for a key allowed every model.');
  }
  return globs;
}

export const positiveNumber = (flag: string) => (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${flag} must be a positive number.`);
  return n;
};

export const wholeNumber = (flag: string) => (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${flag} must be a whole number ≥ 1 (got ${JSON.stringify(value)}).`);
  return n;
};

export function parsePeriod(value: string): string {
  if (!(BUDGET_PERIODS as readonly string[]).includes(value)) throw new InvalidArgumentError(`--period must be ${BUDGET_PERIODS.join(', ')}.`);
  return value;
}

/** `--expires`: an ISO 8601 time that is still to come (a key that has already expired is of no use). */
export function parseExpires(value: string, now: number = Date.now()): string {
  const ms = isoTimeMs(value);
  if (ms === undefined) throw new InvalidArgumentError('--expires must be an ISO 8601 time, e.g. 2026-12-31T00:00:00Z.');
  if (ms <= now) throw new InvalidArgumentError(`--expires must be in the future (${value} has passed).`);
  return value;
}

export interface CreateKeyOptions {
  name: string;
  models?: string[];
  budget?: number;
  period?: string;
  rpm?: number;
  tpm?: number;
  expires?: string;
  customer?: string;
}

/** The body of `POST /admin/keys`. Throws for combinations that no single option can catch. */
export function createKeyBody(o: CreateKeyOptions): Record<string, unknown> {
  if (o.period !== undefined && o.budget === undefined) {
    throw new Error('--period needs --budget: the period is how often the budget starts again (e.g. --budget 50 --period month).');
  }
  return {
    name: o.name,
    ...(o.models ? { models: o.models } : {}),
    ...(o.budget !== undefined ? { budget_usd: o.budget } : {}),
    ...(o.period ? { budget_period: o.period } : {}),
    ...(o.rpm !== undefined ? { rpm: o.rpm } : {}),
    ...(o.tpm !== undefined ? { tpm: o.tpm } : {}),
    ...(o.expires ? { expires_at: o.expires } : {}),
    ...(o.customer ? { customer_identifier: o.customer } : {}),
  };
}
