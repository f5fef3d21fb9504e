import type { z } from 'zod';
import { GatewayError } from '../../server/gateway-error.js';

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

/** The last millisecond of the year 9999: later times have no ISO 8601 form the log API can print. */
const LATEST_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** A date, optionally with a time and a zone: `2026-01-31`, `2026-01-31T12:00:00.5Z`, `…+02:00`. */
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * ISO 8601 text or epoch milliseconds → epoch ms, from 1970 to the end of 9999; undefined
 * otherwise. (A time past JavaScript's dates, stored, would break every newest-first listing.)
 * Text must be ISO 8601 with a real calendar date: `Date.parse` alone takes other formats, and
 * rolls 30 February over into March.
 */
export function timeValue(value: string | number): number | undefined {
  let ms: number;
  if (typeof value === 'number') ms = value;
  else {
    const m = ISO_8601.exec(value);
    if (!m) return undefined;
    const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
    ms = Date.parse(value);
  }
  return Number.isFinite(ms) && ms >= 0 && ms <= LATEST_MS ? ms : undefined;
}
