import { z } from 'zod';
import { isoTimeMs } from './iso-time.js';

/** The bodies of POST and PATCH /admin/keys. Loaded on first use (see admin-keys.ts). */
const isoDate = z
  .string()
  .refine((s) => isoTimeMs(s) !== undefined, 'must be an ISO 8601 date with a real calendar day, from 1970 to 9999, e.g. 2026-12-31T00:00:00Z')
  .transform((s) => isoTimeMs(s)!);

const keyFields = {
  name: z.string().min(1).max(200),
  models: z.array(z.string().min(1)).nullable(),
  budget_usd: z.number().positive().nullable(),
  budget_period: z.enum(['day', 'month', 'total']),
  rpm: z.number().int().positive().nullable(),
  tpm: z.number().int().positive().nullable(),
  expires_at: isoDate.nullable(),
  customer_identifier: z.string().min(1).nullable(),
  metadata: z.record(z.string(), z.unknown()).nullable(),
};

export const updateSchema = z.strictObject(keyFields).partial();
export const createSchema = z.strictObject({
  ...updateSchema.shape,
  // Said plainly: zod's own message for a missing required field is "expected nonoptional".
  name: z.string({ error: (issue) => (issue.input === undefined ? 'is required (a name for the key)' : 'must be a string') }).min(1, 'must not be empty').max(200, 'must be 200 characters at most'),
});
