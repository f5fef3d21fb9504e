import { z } from 'zod';
import { defaultTypeForStatus } from '../../server/gateway-error.js';
import { prepareBody } from '../bodies/prepare-body.js';
import type { LogEntry } from '../log-record.js';
import type { IngestContext } from './ingest-context.js';
import { ingestedCost } from './ingested-cost.js';
import { ingestedModel } from './ingested-model.js';
import { durationSeconds, tokenCount, usd } from './ingested-numbers.js';
import { NOT_IN_FUTURE, invalidBody, notInFuture, timeValue } from './invalid-body.js';
import { checkKeyModel, recordCustomer, refuseKeyCost } from './key-policy.js';
import { ingestedMetadata } from './ingested-metadata.js';

const count = tokenCount;
const seconds = durationSeconds;
/** Text fields are bounded as POST /v1/logs's are: each is stored with the record and shown by the log API. */
const MAX_TEXT = 10_000;
const text = z.string().max(MAX_TEXT);
const identifier = z.union([text, z.number()]).transform(String);

/**
 * Respan's (formerly Keywords AI) `POST /api/request-logs/create/` body, so that code already
 * logging there can log here by changing the base URL. Times are in seconds, as Respan takes
 * them. Fields we do not use are accepted and ignored.
 */
export const respanLogSchema = z.looseObject({
  model: z.string().min(1).max(500),
  prompt_messages: z.array(z.unknown()).optional(),
  completion_message: z.record(z.string(), z.unknown()).nullable().optional(),
  cost: usd.nullable().optional(),
  prompt_tokens: count.optional(),
  completion_tokens: count.optional(),
  usage: z
    .looseObject({
      prompt_tokens: count.optional(),
      completion_tokens: count.optional(),
      prompt_tokens_details: z.looseObject({ cached_tokens: count.optional() }).nullable().optional(),
      completion_tokens_details: z.looseObject({ reasoning_tokens: count.optional() }).nullable().optional(),
    })
    .nullable()
    .optional(),
  prompt_unit_price: usd.optional(),
  completion_unit_price: usd.optional(),
  generation_time: seconds.optional(),
  latency: seconds.optional(),
  ttft: seconds.optional(),
  time_to_first_token: seconds.optional(),
  customer_identifier: identifier.optional(),
  customer_params: z.looseObject({ customer_identifier: identifier.optional() }).nullable().optional(),
  metadata: ingestedMetadata,
  status_code: z.number().int().min(100).max(599).optional(),
  error_message: text.nullable().optional(),
  stream: z.boolean().optional(),
  timestamp: z
    .string()
    .refine((v) => timeValue(v) !== undefined, 'must be an ISO 8601 time from 1970 to 9999')
    .refine(notInFuture, NOT_IN_FUTURE)
    .optional(),
  tools: z.array(z.unknown()).optional(),
  tool_choice: z.unknown().optional(),
  full_request: z.record(z.string(), z.unknown()).nullable().optional(),
  full_response: z.record(z.string(), z.unknown()).nullable().optional(),
  trace_unique_id: text.optional(),
  thread_identifier: identifier.optional(),
  custom_identifier: identifier.optional(),
  provider_id: text.optional(),
});

export type RespanLogBody = z.infer<typeof respanLogSchema>;

export function parseRespanLog(body: unknown): RespanLogBody {
  const parsed = respanLogSchema.safeParse(body);
  if (!parsed.success) throw invalidBody(parsed.error, 'request log');
  return parsed.data;
}

export function entryFromRespanLog(b: RespanLogBody, ctx: IngestContext): LogEntry {
  const split = ingestedModel(b.model, ctx.providerNames, b.provider_id);
  const provider = split.provider;
  checkKeyModel(ctx, provider, split.model);
  refuseKeyCost(ctx, { cost: b.cost, prompt_unit_price: b.prompt_unit_price, completion_unit_price: b.completion_unit_price });
  const status = b.status_code ?? 200;
  const errorMessage = b.error_message ? b.error_message : null;
  const prompt = b.usage?.prompt_tokens ?? b.prompt_tokens ?? null;
  const completion = b.usage?.completion_tokens ?? b.completion_tokens ?? null;
  const cached = b.usage?.prompt_tokens_details?.cached_tokens ?? null;
  const reasoning = b.usage?.completion_tokens_details?.reasoning_tokens ?? null;
  const request = b.full_request ?? {
    model: b.model,
    messages: b.prompt_messages ?? [],
    ...(b.tools !== undefined ? { tools: b.tools } : {}),
    ...(b.tool_choice !== undefined ? { tool_choice: b.tool_choice } : {}),
    ...(b.stream !== undefined ? { stream: b.stream } : {}),
  };
  const response = b.full_response ?? (b.completion_message ? { choices: [{ index: 0, message: b.completion_message }] } : null);
  const cost = ingestedCost(ctx.prices, {
    provider,
    model: split.model,
    given: b.cost,
    unitPrices: { input: b.prompt_unit_price, output: b.completion_unit_price },
    prompt,
    completion,
    cached,
    status,
    response,
  });
  const identifiers = {
    ...(b.thread_identifier !== undefined ? { thread_identifier: b.thread_identifier } : {}),
    ...(b.custom_identifier !== undefined ? { custom_identifier: b.custom_identifier } : {}),
  };
  const metadata = b.metadata || Object.keys(identifiers).length > 0 ? { ...identifiers, ...(b.metadata ?? {}) } : null;
  const latency = b.generation_time ?? b.latency;
  const ttft = b.ttft ?? b.time_to_first_token;
  return {
    id: ctx.newId(),
    created_at_ms: b.timestamp === undefined ? ctx.now : timeValue(b.timestamp)!,
    source: 'ingested',
    key_id: ctx.keyId,
    customer_identifier:
      b.customer_params?.customer_identifier !== undefined
        ? recordCustomer(ctx, b.customer_params.customer_identifier, 'customer_params.customer_identifier')
        : recordCustomer(ctx, b.customer_identifier ?? null, 'customer_identifier'),
    user: null,
    trace_id: b.trace_unique_id ?? null,
    metadata,
    provider,
    credential: null,
    model_requested: b.model,
    model: split.model,
    stream: b.stream ?? false,
    status,
    error_type: status >= 400 ? defaultTypeForStatus(status) : errorMessage ? 'api_error' : null,
    error_message: errorMessage,
    attempts: [],
    adjustments: [],
    prompt_tokens: prompt,
    completion_tokens: completion,
    cached_tokens: cached,
    reasoning_tokens: reasoning,
    ...cost,
    latency_ms: latency === undefined ? null : Math.round(latency * 1000 * 100) / 100,
    ttft_ms: ttft === undefined ? null : Math.round(ttft * 1000 * 100) / 100,
    overhead_ms: null,
    request_json: prepareBody(request, ctx.bodies),
    response_json: prepareBody(response, ctx.bodies),
  };
}
