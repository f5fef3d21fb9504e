import { z } from 'zod';

/** The body of POST /admin/credentials. Loaded on first use (see admin-credentials.ts). */
export const addSchema = z.strictObject({
  provider: z.string().min(1),
  name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, ".", "_" and "-" only'),
  api_key: z.string().min(1),
  region: z.enum(['global', 'cn']).optional(),
  base_url: z.url({ protocol: /^https?$/ }).optional(),
  weight: z.number().positive().optional(),
  limits: z
    .strictObject({ concurrency: z.number().int().positive().optional(), rpm: z.number().int().positive().optional(), tpm: z.number().int().positive().optional() })
    .optional(),
  models: z.array(z.string().min(1)).optional(),
});
