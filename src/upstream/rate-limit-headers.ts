import type { IncomingHttpHeaders } from 'node:http';

/**
 * OpenAI's rate-limit headers, which Azure and many OpenAI-compatible servers send too (Moonshot's
 * captured answers carry none). A fixed list looked up by name: every answer passes here.
 */
export const RATE_LIMIT_HEADERS = [
  'x-ratelimit-limit-requests',
  'x-ratelimit-remaining-requests',
  'x-ratelimit-reset-requests',
  'x-ratelimit-limit-tokens',
  'x-ratelimit-remaining-tokens',
  'x-ratelimit-reset-tokens',
] as const;

/** Printable ASCII, as such values are ("60", "6m0s"); anything else is not one to pass on. */
const PLAIN_VALUE = /^[\x20-\x7e]*$/;

/**
 * The rate-limit headers of an upstream answer, to pass on to the client; undefined when it sent
 * none, so an upstream without them costs six lookups and nothing else. A header sent twice is
 * left out: which of its values is the limit cannot be told.
 */
export function rateLimitHeaders(headers: IncomingHttpHeaders): Record<string, string> | undefined {
  let found: Record<string, string> | undefined;
  for (const name of RATE_LIMIT_HEADERS) {
    const value = headers[name];
    if (typeof value === 'string' && PLAIN_VALUE.test(value)) (found ??= {})[name] = value;
  }
  return found;
}
