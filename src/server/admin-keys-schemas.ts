import { z } from 'zod';
import { MAX_IDENTIFIER_LENGTH, MAX_METADATA_BYTES } from './caller-info.js';
import { isoTimeMs } from './iso-time.js';
import { MAX_MODEL_NAME_LENGTH } from './validate-chat-request.js';

/** The bodies of POST and PATCH /admin/keys. Loaded on first use (see admin-keys.ts). */
const isoDate = z
  .string()
  .refine((s) => isoTimeMs(s) !== undefined, { message: 'must be an ISO 8601 date with a real calendar day, from 1970 to 9999, e.g. 2026-12-31T00:00:00Z', abort: true })
  .transform((s) => isoTimeMs(s)!);

/** An expiry still to come: a key created (or updated) already expired could never be used. */
const expiry = isoDate.superRefine((ms, ctx) => {
  if (ms <= Date.now()) {
    ctx.addIssue({ code: 'custom', message: `is in the past (${new Date(ms).toISOString()}); give a time still to come, or null for no expiry (to end a key now, revoke it with DELETE)` });
  }
});

/** A name of spaces alone names nothing: the operator lists keys by it. */
const notBlank = (s: string): boolean => s.trim() !== '';

/**
 * A glob is matched against the requested model name exactly, never trimmed: one with a space
 * around it (`"kimi-k2.6 "`, from a list split on commas) matches no model, and the key it was
 * meant to restrict refuses every request. One longer than any model name a request may give
 * matches nothing either (and every request would pay for matching it).
 */
const modelGlob = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_MODEL_NAME_LENGTH, `must be ${MAX_MODEL_NAME_LENGTH} characters at most, as a model name is`)
  .refine((g) => g.trim() === g, 'has whitespace at its start or end, so it would match no model; remove it')
  .refine(notBlank, 'must not be blank');

const keyFields = {
  name: z.string().min(1).max(200).refine(notBlank, 'must not be blank'),
  models: z.array(modelGlob).max(1_000).nullable(),
  budget_usd: z.number().positive().nullable(),
  budget_period: z.enum(['day', 'month', 'total']),
  rpm: z.number().int().positive().nullable(),
  tpm: z.number().int().positive().nullable(),
  expires_at: expiry.nullable(),
  // Copied into every log record of the key's requests: bounded as a request's own are (caller-info.ts).
  customer_identifier: z
    .string()
    .min(1)
    .max(MAX_IDENTIFIER_LENGTH, `must be ${MAX_IDENTIFIER_LENGTH} characters at most, as a request's own`)
    .refine(notBlank, 'must not be blank (records would be filed under a customer of spaces); leave it out, or null, for none')
    .nullable(),
  metadata: z
    .record(z.string(), z.unknown())
    .refine((m) => Buffer.byteLength(JSON.stringify(m)) <= MAX_METADATA_BYTES, `must be ${MAX_METADATA_BYTES} bytes of JSON at most, as a request's own`)
    .nullable(),
};

/** The fields a key body may carry, for "did you mean" on an unknown one. */
export const KEY_FIELDS: readonly string[] = Object.keys(keyFields);

export const updateSchema = z.strictObject(keyFields).partial();
export const createSchema = z
  .strictObject({
    ...updateSchema.shape,
    // Said plainly: zod's own message for a missing required field is "expected nonoptional".
    name: z
      .string({ error: (issue) => (issue.input === undefined ? 'is required (a name for the key)' : 'must be a string') })
      .min(1, 'must not be empty')
      .max(200, 'must be 200 characters at most')
      .refine(notBlank, 'must not be blank'),
  })
  // A period with no budget limits nothing: most likely the budget was left out by mistake (the CLI refuses it too).
  .refine((key) => key.budget_period === undefined || (key.budget_usd !== undefined && key.budget_usd !== null), {
    message: 'needs budget_usd: a period with no budget limits nothing',
    path: ['budget_period'],
  });
