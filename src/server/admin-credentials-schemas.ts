import { z } from 'zod';
import { joinFindings, whitespaceFindings } from '../config/warnings.js';

/** The body of POST /admin/credentials. Loaded on first use (see admin-credentials.ts). */
export const addSchema = z.strictObject({
  provider: z.string().min(1),
  name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, ".", "_" and "-" only'),
  // Keys are used exactly as given, never trimmed: what a config file is warned about is refused here.
  api_key: z
    .string()
    .min(1)
    .superRefine((key, ctx) => {
      const found = whitespaceFindings(key);
      if (found.length) {
        ctx.addIssue({
          code: 'custom',
          message: `${joinFindings(found)} (a space, tab or line break); keys are used exactly as given, never trimmed, so the provider would refuse it (Moonshot answers 401 Invalid Authentication): remove the whitespace`,
        });
      }
    }),
  region: z.enum(['global', 'cn']).optional(),
  base_url: z.url({ protocol: /^https?$/ }).optional(),
  weight: z.number().positive().optional(),
  limits: z
    .strictObject({ concurrency: z.number().int().positive().optional(), rpm: z.number().int().positive().optional(), tpm: z.number().int().positive().optional() })
    .optional(),
  models: z.array(z.string().min(1)).optional(),
});
