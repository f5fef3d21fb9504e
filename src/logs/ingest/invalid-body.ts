import type { z } from 'zod';
import { GatewayError } from '../../server/gateway-error.js';
import { inRange, isoTimeMs } from '../../server/iso-time.js';
import { suggestField } from '../../server/suggest-field.js';
import { epochMs } from '../epoch-time.js';

/** Issues shown in a 400; the others are counted. */
const SHOWN_ISSUES = 5;
/** A path segment longer than this is cut in the message and `param` (a 1 MB field name is not echoed back). */
const MAX_SEGMENT_CHARS = 100;

/**
 * An unknown field as moongate-log-body reports it: `suggestFrom` holds the known fields, and the
 * closest is suggested here, only for the issues shown.
 */
export type UnknownFieldIssue = {
  code: 'unrecognized_keys';
  keys: string[];
  path: PropertyKey[];
  message: string;
  input: Record<string, unknown>;
  suggestFrom?: readonly string[];
};

/**
 * A zod failure as a 400 that names each bad field (the first five), the first one as `param`.
 * An `unrecognized_keys` issue counts as one problem per key.
 */
export function invalidBody(error: z.ZodError, what: string): GatewayError {
  const shown = error.issues.slice(0, SHOWN_ISSUES);
  const problems = shown.map((issue) => {
    const path = pathText(issue.path);
    const message = issueMessage(issue);
    return path === '' ? message : `\`${path}\`: ${message}`;
  });
  let hidden = 0;
  for (let i = SHOWN_ISSUES; i < error.issues.length; i++) {
    const issue = error.issues[i]!;
    hidden += issue.code === 'unrecognized_keys' ? issue.keys.length : 1;
  }
  const more = hidden > 0 ? ` (and ${hidden} more)` : '';
  const first = error.issues[0] ? pathText(error.issues[0].path) : '';
  return new GatewayError(400, `Invalid ${what}: ${problems.join('; ')}${more}.`, { code: 'invalid_log', param: first || null });
}

function pathText(path: readonly PropertyKey[]): string {
  return path.map((p) => (String(p).length > MAX_SEGMENT_CHARS ? `${String(p).slice(0, MAX_SEGMENT_CHARS)}…` : String(p))).join('.');
}

function issueMessage(issue: z.core.$ZodIssue): string {
  const from = (issue as { suggestFrom?: unknown }).suggestFrom;
  if (issue.code !== 'unrecognized_keys' || !Array.isArray(from) || issue.keys.length !== 1) return issue.message;
  const hint = suggestField(issue.keys[0]!, from as string[]);
  return hint ? `${issue.message} (did you mean \`${hint}\`?)` : issue.message;
}

/**
 * ISO 8601 text or an epoch number (seconds below 10^11, else milliseconds: epochMs) → epoch ms,
 * from 1970 to the end of 9999; undefined otherwise. (A time past JavaScript's dates, stored,
 * would break every newest-first listing.) Epoch seconds read as milliseconds filed a shipper's
 * records in January 1970, where no report looks and the next retention sweep deletes them.
 */
export function timeValue(value: string | number): number | undefined {
  // Rounded as the store rounds it (log-columns.ts), so that the 201 answer names the millisecond
  // the record is kept under: `time.time()` has microseconds, and toISOString cuts them instead.
  return typeof value === 'number' ? inRange(Math.round(epochMs(value))) : isoTimeMs(value);
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
