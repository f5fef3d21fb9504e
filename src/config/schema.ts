/**
 * The shape of `moongate.yaml` (after environment references are resolved), as zod schemas.
 * Shape, types and ranges only: names, URLs and cross-references are checked while normalizing.
 * Every map is strict: an unknown key is a problem (see `format-issues.ts` for the messages).
 */
import { z } from 'zod';

/** Marks the message of an unknown-key issue so the formatter can suggest the nearest known key. */
export const KNOWN_KEYS_MARKER = 'known-keys:';

/** A map that rejects keys it does not know; the issue carries the known keys for "did you mean". */
function strictMap<T extends z.ZodRawShape>(shape: T) {
  const known = Object.keys(shape).join(',');
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? `${KNOWN_KEYS_MARKER}${known}` : undefined),
  });
}

/** Optional; a YAML `key:` with no value (null) counts as absent. */
function opt<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (v === null ? undefined : v), schema.optional());
}

/** Numbers may arrive as strings from `env:` references (`port: env:PORT`). */
function numeric<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v), schema);
}

const int = (min: number, max?: number) => numeric(max === undefined ? z.number().int().min(min) : z.number().int().min(min).max(max));
/** Node's timers hold at most 2^31 - 1 ms (~24.8 days); a longer one fires at once. */
const MAX_TIMER_MS = 2_147_483_647;
const ms = (min: number) => int(min, MAX_TIMER_MS);
const timerSeconds = () => numeric(z.number().positive().max(MAX_TIMER_MS / 1000));
const positive = () => numeric(z.number().positive());
const nonNegative = () => numeric(z.number().min(0));

export const REGIONS = ['global', 'cn'] as const;
export const PROVIDER_TYPES = ['moonshot', 'openai', 'openai-compatible'] as const;
export const BODY_MODES = ['full', 'redacted', 'off'] as const;

export const serverSchema = strictMap({
  host: opt(z.string().min(1)),
  port: opt(int(0, 65535)),
  max_body_mb: opt(positive()),
  drain_timeout_ms: opt(ms(0)),
  cors_origins: opt(z.array(z.string().min(1)).max(1000)),
});

export const loggingSchema = strictMap({
  bodies: opt(z.enum(BODY_MODES)),
  max_body_kb: opt(int(0)),
  retention_days: opt(int(1)),
});

export const routerSchema = strictMap({
  retries: opt(int(0, 100)),
  timeout_ms: opt(ms(1)),
  first_token_timeout_ms: opt(ms(1)),
  idle_timeout_ms: opt(ms(1)),
  stream_keepalive_ms: opt(ms(0)),
  connect_timeout_ms: opt(ms(1)),
  backoff_ms: opt(ms(0)),
  max_queue_wait_ms: opt(ms(0)),
  max_queue_size: opt(int(0)),
  disabled_recheck_seconds: opt(timerSeconds()),
  cooldown: opt(
    strictMap({
      fails: opt(int(1)),
      seconds: opt(nonNegative()),
      window_seconds: opt(positive()),
    }),
  ),
});

export const limitsSchema = strictMap({
  concurrency: opt(int(1)),
  rpm: opt(int(1)),
  tpm: opt(int(1)),
});

export const credentialSchema = strictMap({
  name: z.string(),
  api_key: z.string(),
  region: opt(z.enum(REGIONS)),
  base_url: opt(z.string()),
  weight: opt(positive()),
  limits: opt(limitsSchema),
  models: opt(z.array(z.string().min(1))),
});

export const providerSchema = z.preprocess(
  (v) => (v === null ? {} : v),
  strictMap({
    type: opt(z.enum(PROVIDER_TYPES)),
    base_url: opt(z.string()),
    regions: opt(strictMap({ global: opt(z.string()), cn: opt(z.string()) })),
    credentials: opt(z.array(credentialSchema)),
    credential_override: opt(z.record(z.string(), z.string())),
    // Shorthand for a single credential named "default":
    api_key: opt(z.string()),
    region: opt(z.enum(REGIONS)),
    limits: opt(limitsSchema),
    stream_usage: opt(z.boolean()),
  }),
);

export const aliasTargetSchema = z.preprocess(
  (v) => (typeof v === 'string' ? { model: v } : v),
  strictMap({
    model: z.string(),
    weight: opt(positive()),
  }),
);

export const aliasSchema = strictMap({
  name: z.string(),
  targets: opt(z.array(aliasTargetSchema)),
  // Shorthand for a single target:
  model: opt(z.string()),
  fallbacks: opt(z.array(z.string())),
});

export const priceSchema = strictMap({
  input: opt(nonNegative()),
  cached_input: numeric(z.number().min(0).nullable()).optional(),
  output: opt(nonNegative()),
});

export const pricingSchema = z.record(z.string().min(1), priceSchema);

/** Top-level keys; each section is validated on its own so one bad section does not hide another. */
export const TOP_LEVEL_KEYS = [
  'server',
  'master_key',
  'store',
  'redis',
  'logging',
  'providers',
  'models',
  'router',
  'pricing',
] as const;

export const masterKeySchema = z.string().min(1);
export const storeSchema = z.string().min(1);
export const redisSchema = z.string().min(1);

export type RawServer = z.output<typeof serverSchema>;
export type RawLogging = z.output<typeof loggingSchema>;
export type RawRouter = z.output<typeof routerSchema>;
export type RawLimits = z.output<typeof limitsSchema>;
export type RawCredential = z.output<typeof credentialSchema>;
export type RawProvider = z.output<typeof providerSchema>;
export type RawAlias = z.output<typeof aliasSchema>;
export type RawPricing = z.output<typeof pricingSchema>;
