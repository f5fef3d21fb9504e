import type { z } from 'zod';
import { GatewayError } from '../../server/gateway-error.js';
import { inRange, isoTimeMs } from '../../server/iso-time.js';

/** A zod failure as a 400 that names each bad field, the first one as `param`. */
export function invalidBody(error: z.ZodError, what: string): GatewayError {
  const problems = error.issues.slice(0, 5).map((issue) => {
    const path = issue.path.map(String).join('.');
    return path === '' ? issue.message : `\`${path}\`: ${issue.message}`;
  });
  const more = error.issues.length > 5 ? ` (and ${error.issues.length - 5} more)` : '';
  const first = error.issues[0]?.path.map(String).join('.');
  return new GatewayError(400, `Invalid ${what}: ${problems.join('; ')}${more}.`, { code: 'invalid_log', param: first || null });
}

/**
 * ISO 8601 text or epoch milliseconds → epoch ms, from 1970 to the end of 9999; undefined
 * otherwise. (A time past JavaScript's dates, stored, would break every newest-first listing.)
 */
export function timeValue(value: string | number): number | undefined {
  return typeof value === 'number' ? inRange(value) : isoTimeMs(value);
}

/** How far ahead of this gateway's clock a sender's clock may run. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * A record's time may not lie ahead by more than clock skew: a record dated 9999 would head every
 * newest-first listing for good, above everything that really happened.
 */
export function notInFuture(value: string | number): boolean {
  const ms = timeValue(value);
  return ms === undefined || ms <= Date.now() + MAX_CLOCK_SKEW_MS;
}
export const NOT_IN_FUTURE = 'must not be more than 5 minutes in the future';
