import type { z } from 'zod';
import { GatewayError } from './gateway-error.js';
import { MAX_SUGGESTED_FIELD_CHARS, suggestField } from './suggest-field.js';

/** Unknown fields named in the message; the rest are counted. */
const SHOWN_UNKNOWN = 5;

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
      const hint = suggestField(key, known);
      return hint ? `\`${key}\` (did you mean \`${hint}\`?)` : `\`${shown(key)}\``;
    });
    const more = keys.length > SHOWN_UNKNOWN ? ` and ${keys.length - SHOWN_UNKNOWN} more` : '';
    const message = `Invalid key request: unknown field${keys.length > 1 ? 's' : ''} ${named.join(', ')}${more}. Known fields: ${known.join(', ')}.`;
    const param = shown(keys[0]!);
    return new GatewayError(400, message, { type: 'invalid_request_error', code: 'invalid_request', param });
  }
  const issue = error.issues[0]!;
  const field = issue.path.join('.') || 'body';
  return new GatewayError(400, `Invalid key request: \`${field}\`: ${issue.message}.`, { type: 'invalid_request_error', code: 'invalid_request', param: field });
}

/** An unknown field as the message and `param` name it: one too long for a guess is cut there too. */
function shown(field: string): string {
  return field.length > MAX_SUGGESTED_FIELD_CHARS ? `${field.slice(0, MAX_SUGGESTED_FIELD_CHARS)}…` : field;
}
