import { suggestKey } from '../config/problems.js';

/**
 * The longest unknown field of a request body that gets a guess at the field meant. A sender may
 * name a field as long as it likes, and a guess costs that length × each known field's.
 */
export const MAX_SUGGESTED_FIELD_CHARS = 64;

/**
 * The known field a client probably meant by an unknown one (suggestKey: "did you mean `name`?"),
 * or undefined; none for a field longer than MAX_SUGGESTED_FIELD_CHARS. The config loader calls
 * suggestKey itself: a config file's keys are the operator's, not a stranger's.
 */
export function suggestField(field: string, known: readonly string[]): string | undefined {
  return field.length <= MAX_SUGGESTED_FIELD_CHARS ? suggestKey(field, known) : undefined;
}
