import { z } from 'zod';
import { MAX_METADATA_BYTES } from '../../server/caller-info.js';

/**
 * A record's `metadata`: an object of at most 16 KB of JSON, as a proxied request's own. Without
 * the bound a sender could store megabytes in every record, and every log query would carry them.
 */
export const ingestedMetadata = z
  .record(z.string(), z.unknown())
  .refine((m) => Buffer.byteLength(JSON.stringify(m)) <= MAX_METADATA_BYTES, `must be ${MAX_METADATA_BYTES} bytes of JSON at most, as a request's own`)
  .nullable()
  .optional();
