import type { z } from 'zod';
import { suggestKey } from '../config/problems.js';
import { GatewayError } from './gateway-error.js';

/** Unknown fields named in the message; the rest are counted. */
const SHOWN_UNKNOWN = 5;
/** Longer unknown fields get no guess (a guess costs their length × the field's), and are cut in the message. */
const MAX_SUGGESTED_KEY_CHARS = 64;

/**
 * A refused POST or PATCH /admin/keys body as a 400 naming the field. An unknown field is
 * reported first, with the closest known one ("did you mean `name`?", as the config loader and
 * log ingestion say it): `{nmae: "x"}` is a misspelt name, and "name is required" alone would
 * send the operator looking for the wrong mistake.
 */
export function invalidKeyRequest(error: z.ZodError, known: readonly string[]): GatewayError {
  const unknown = error.issues.find((i) => i.code === 'unrecognized_keys');
  if (unknown) {
    const keys = unknown.keys;
    const named = keys.slice(0, SHOWN_UNKNOWN).map((key) => {
      if (key.length > MAX_SUGGESTED_KEY_CHARS) return `\`${key.slice(0, MAX_SUGGESTED_KEY_CHARS)}…\``;
      const hint = suggestKey(key, known);
      return hint ? `\`${key}\` (did you mean \`${hint}\`?)` : `\`${key}\``;
    });
    const more = keys.length > SHOWN_UNKNOWN ? ` and ${keys.length - SHOWN_UNKNOWN} more` : '';
    const message = `Invalid key request: unknown field${keys.length > 1 ? 's' : ''} ${named.join(', ')}${more}. Known fields: ${known.join(', ')}.`;
    const param = keys[0]!.length > MAX_SUGGESTED_KEY_CHARS ? `${keys[0]!.slice(0, MAX_SUGGESTED_KEY_CHARS)}…` : keys[0]!;
    return new GatewayError(400, message, { type: 'invalid_request_error', code: 'invalid_request', param });
  }
  const issue = error.issues[0]!;
  const field = issue.path.join('.') || 'body';
  return new GatewayError(400, `Invalid key request: \`${field}\`: ${issue.message}.`, { type: 'invalid_request_error', code: 'invalid_request', param: field });
}
