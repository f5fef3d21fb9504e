import { z } from 'zod';
import { prepareBody } from '../bodies/prepare-body.js';
import type { LogEntry } from '../log-record.js';
import type { IngestContext } from './ingest-context.js';
import { ingestedCost } from './ingested-cost.js';
import { ingestedModel } from './ingested-model.js';
import { durationMs, tokenCount, usd } from './ingested-numbers.js';
import { NOT_IN_FUTURE, invalidBody, notInFuture, timeValue } from './invalid-body.js';
import type { UnknownFieldIssue } from './invalid-body.js';
import { checkKeyModel, recordCustomer, refuseKeyCost } from './key-policy.js';
import { ingestedMetadata } from './ingested-metadata.js';
import { storedAsGiven } from '../../store/sql/stored-text.js';

const count = tokenCount;
const ms = durationMs;
const optText = z.string().max(10_000).nullable().optional();

/** Fields that are refused for a reason of their own, said instead of a guess at a typo. */
const REFUSED_FIELDS: ReadonlyMap<string, string> = new Map([
  ['cost_details', 'is not accepted: the gateway computes it with `cost_usd` (give `cost_usd` alone, or neither)'],
]);

/** Unknown fields of one object named one by one; the rest are counted in one more issue. */
const MAX_UNKNOWN_NAMED = 10;

/**
 * An object with these fields and no others. Each unknown field is its own issue at its own path
 * (`1.prompt_tokns` in a batch), so the 400 names it in `param`; the closest known field is
 * suggested by invalidBody, for the few issues it shows (a guess costs an edit-distance table per
 * known field: made for every unknown key of a 3 MB body, it froze the gateway for half a minute).
 * The issues are `unrecognized_keys`, which do not stop the object itself from being checked, so
 * `{"zzz":1,"status":"bad"}` is told about both. (zod's strict objects report unknown keys at the
 * object's path, and `param` was null.)
 */
function strictFields<Shape extends z.core.$ZodLooseShape>(shape: Shape) {
  const known = Object.keys(shape);
  return z.preprocess((value, ctx) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    const record = value as Record<string, unknown>;
    const extra = Object.keys(record).filter((k) => !Object.hasOwn(shape, k));
    if (extra.length === 0) return value;
    for (const key of extra.slice(0, MAX_UNKNOWN_NAMED)) {
      const refused = REFUSED_FIELDS.get(key);
      const issue: UnknownFieldIssue = { code: 'unrecognized_keys', keys: [key], path: [key], message: refused ?? 'unknown field', input: record };
      if (refused === undefined) issue.suggestFrom = known;
      ctx.addIssue(issue);
    }
    const rest = extra.slice(MAX_UNKNOWN_NAMED);
    if (rest.length > 0) ctx.addIssue({ code: 'unrecognized_keys', keys: rest, path: [], message: `${rest.length} more unknown fields`, input: record });
    // The known fields alone go on, so that the strict object checks them without naming the rest again.
    const knownOnly: Record<string, unknown> = {};
    for (const k of known) if (Object.hasOwn(record, k)) knownOnly[k] = record[k];
    return knownOnly;
  }, z.strictObject(shape));
}

const attemptSchema = strictFields({
  provider: z.string(),
  model: z.string(),
  credential: z.string(),
  status: z.number().int().optional(),
  error_type: z.string().optional(),
  error_message: z.string().optional(),
  started_ms: ms,
  duration_ms: ms,
});

/** `POST /v1/logs`: our own LogRecord fields. Unknown fields are refused, so typos do not pass silently. */
export const moongateLogSchema = strictFields({
  // Kept as given, or `a\0b` and `a\uFFFDb` would be one stored id, and the second record,
  // answered 201, silently dropped as a repeat.
  id: z.string().min(1).max(200).refine(storedAsGiven, 'must not hold a NUL character or an unpaired surrogate (\\u0000, a lone \\ud800…\\udfff)').optional(),
  created_at: z
    .union([z.string(), z.number()])
    .refine((v) => timeValue(v) !== undefined, 'must be an ISO 8601 time or epoch seconds or milliseconds, from 1970 to 9999')
    .refine(notInFuture, NOT_IN_FUTURE)
    .optional(),
  source: z.literal('ingested').optional(),
  key_id: optText,
  customer_identifier: optText,
  user: optText,
  trace_id: optText,
  metadata: ingestedMetadata,
  provider: optText,
  credential: optText,
  model_requested: optText,
  model: z.string().min(1).max(500),
  stream: z.boolean().optional(),
  status: z.number().int().min(100).max(599).optional(),
  error_type: optText,
  error_message: optText,
  attempts: z.array(attemptSchema).max(100).optional(),
  adjustments: z.array(z.string()).max(100).optional(),
  prompt_tokens: count.nullable().optional(),
  completion_tokens: count.nullable().optional(),
  cached_tokens: count.nullable().optional(),
  reasoning_tokens: count.nullable().optional(),
  cost_usd: usd.nullable().optional(),
  latency_ms: ms.nullable().optional(),
  ttft_ms: ms.nullable().optional(),
  overhead_ms: ms.nullable().optional(),
  request: z.unknown().optional(),
  response: z.unknown().optional(),
});

/** `POST /v1/logs` with an array: up to 1,000 records in one call. */
export const moongateBatchSchema = z.array(moongateLogSchema).min(1).max(1_000);

export type MoongateLogBody = z.infer<typeof moongateLogSchema>;

export function parseMoongateLog(body: unknown): MoongateLogBody {
  const parsed = moongateLogSchema.safeParse(body);
  if (!parsed.success) throw invalidBody(parsed.error, 'log record');
  return parsed.data;
}

export function entryFromMoongateLog(b: MoongateLogBody, ctx: IngestContext): LogEntry {
  const { model, provider } = b.provider ? { model: b.model, provider: b.provider } : ingestedModel(b.model, ctx.providerNames);
  checkKeyModel(ctx, provider ?? null, model);
  refuseKeyCost(ctx, { cost_usd: b.cost_usd });
  const status = b.status ?? (b.error_type ? 500 : 200);
  const cost = ingestedCost(ctx.prices, {
    provider: provider ?? null,
    model,
    given: b.cost_usd,
    prompt: b.prompt_tokens ?? null,
    completion: b.completion_tokens ?? null,
    cached: b.cached_tokens ?? null,
    status,
    response: b.response,
  });
  return {
    id: b.id ?? ctx.newId(),
    created_at_ms: b.created_at === undefined ? ctx.now : timeValue(b.created_at)!,
    source: 'ingested',
    key_id: ctx.keyId ?? b.key_id ?? null,
    customer_identifier: recordCustomer(ctx, b.customer_identifier ?? null, 'customer_identifier'),
    user: b.user ?? null,
    trace_id: b.trace_id ?? null,
    metadata: b.metadata ?? null,
    provider: provider ?? null,
    credential: b.credential ?? null,
    model_requested: b.model_requested ?? null,
    model,
    stream: b.stream ?? false,
    status,
    error_type: b.error_type ?? null,
    error_message: b.error_message ?? null,
    attempts: b.attempts ?? [],
    adjustments: b.adjustments ?? [],
    prompt_tokens: b.prompt_tokens ?? null,
    completion_tokens: b.completion_tokens ?? null,
    cached_tokens: b.cached_tokens ?? null,
    reasoning_tokens: b.reasoning_tokens ?? null,
    ...cost,
    latency_ms: b.latency_ms ?? null,
    ttft_ms: b.ttft_ms ?? null,
    overhead_ms: b.overhead_ms ?? null,
    request_json: prepareBody(b.request, ctx.bodies),
    response_json: prepareBody(b.response, ctx.bodies),
  };
}
