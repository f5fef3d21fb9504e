/** The last millisecond of the year 9999: later times have no ISO 8601 form the APIs can print. */
const LATEST_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** A date, optionally with a time and a zone: `2026-01-31`, `2026-01-31T12:00:00.5Z`, `…+02:00` (groups: year, month, day, the T, the zone). */
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:(T)\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * ISO 8601 text → epoch ms, from 1970 to the end of 9999; undefined otherwise. `Date.parse`
 * alone takes other formats ("Jan 1 2027", "0") and rolls 30 February over into March: a time an
 * API accepts must be the time the caller meant.
 */
export function isoTimeMs(text: string): number | undefined {
  const m = ISO_8601.exec(text);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  // A time without a zone is UTC, as budget periods, usage buckets and the dashboard are:
  // Date.parse reads it in the process's own zone, so one key's expires_at (one log query's
  // from/to) meant different instants on hosts set to different zones.
  const zoneless = m[4] !== undefined && m[5] === undefined;
  return inRange(Date.parse(zoneless ? `${text}Z` : text));
}

/** Epoch ms from 1970 to the end of 9999, or undefined. */
export function inRange(ms: number): number | undefined {
  return Number.isFinite(ms) && ms >= 0 && ms <= LATEST_MS ? ms : undefined;
}
