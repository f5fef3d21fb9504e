import { GatewayError } from './gateway-error.js';
import { isPlainObject } from './plain-object.js';

/** A chat request as far as the gateway needs to know it; every other field is forwarded as is. */
export interface ChatRequestBody {
  model: string;
  messages: ChatMessage[];
  stream?: boolean;
  [field: string]: unknown;
}

export interface ChatMessage {
  role: string;
  content?: unknown;
  [field: string]: unknown;
}

/**
 * The longest model name accepted. Real ones are under 100 characters; the name travels into
 * response headers, metric labels and log records, where a megabyte-long one did harm.
 */
export const MAX_MODEL_NAME_LENGTH = 256;

/** Checks only what the gateway itself relies on; the provider judges the rest. */
export function validateChatRequest(body: unknown): ChatRequestBody {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalid('Request body must be a JSON object.', null);
  }
  const b = body as Record<string, unknown>;
  if (b.model === undefined) throw invalid('Missing required field `model` (a string such as "moonshot/kimi-k2.6").', 'model');
  if (typeof b.model !== 'string' || b.model.trim() === '') {
    throw invalid(`Field \`model\` must be a non-empty string, got ${describe(b.model)}.`, 'model');
  }
  if (b.model.length > MAX_MODEL_NAME_LENGTH) {
    throw invalid(`Field \`model\` is ${b.model.length} characters long; model names have ${MAX_MODEL_NAME_LENGTH} at most.`, 'model');
  }
  if (b.messages === undefined) throw invalid('Missing required field `messages` (an array of chat messages).', 'messages');
  if (!Array.isArray(b.messages)) throw invalid(`Field \`messages\` must be an array, got ${describe(b.messages)}.`, 'messages');
  if (b.messages.length === 0) throw invalid('Field `messages` must contain at least one message.', 'messages');
  b.messages.forEach((m: unknown, i: number) => {
    if (m === null || typeof m !== 'object' || Array.isArray(m)) {
      throw invalid(`\`messages[${i}]\` must be an object, got ${describe(m)}.`, `messages[${i}]`);
    }
    const role = (m as Record<string, unknown>).role;
    if (typeof role !== 'string') {
      throw invalid(`\`messages[${i}].role\` must be a string, got ${describe(role)}.`, `messages[${i}].role`);
    }
    checkMessageTypes(m as Record<string, unknown>, i);
  });
  if (b.stream !== undefined && b.stream !== null && typeof b.stream !== 'boolean') {
    throw invalid(`Field \`stream\` must be a boolean, got ${describe(b.stream)}.`, 'stream');
  }
  checkTypes(b, FIELD_TYPES);
  return b as ChatRequestBody;
}

type JsonType = 'number' | 'integer' | 'boolean' | 'string' | 'object' | 'array';

/**
 * The types OpenAI's chat fields take (null is always accepted: it means "not given"). Only the
 * type: ranges and allowed values differ between providers, which judge them. Checked here
 * because otherwise a wrong type depends on where the request goes: dropped with a 200 for a
 * model with fixed sampling (`temperature: "hot"`), or refused upstream in its own words and
 * without `param`. Fields not listed (a provider's own, such as Kimi's `thinking`) pass as sent.
 */
const FIELD_TYPES: Readonly<Record<string, readonly JsonType[]>> = {
  temperature: ['number'],
  top_p: ['number'],
  presence_penalty: ['number'],
  frequency_penalty: ['number'],
  n: ['integer'],
  max_tokens: ['integer'],
  max_completion_tokens: ['integer'],
  seed: ['integer'],
  top_logprobs: ['integer'],
  logprobs: ['boolean'],
  parallel_tool_calls: ['boolean'],
  stop: ['string', 'array'],
  stream_options: ['object'],
  response_format: ['object'],
  logit_bias: ['object'],
  tools: ['array'],
  tool_choice: ['string', 'object'],
  user: ['string'],
  reasoning_effort: ['string'],
};

/**
 * A message's fields of OpenAI's, by type. Read directly rather than through a table like
 * FIELD_TYPES: this runs for every message of every request (a 200-message conversation took
 * 15 µs through the table, under 2 µs this way).
 */
function checkMessageTypes(m: Record<string, unknown>, i: number): void {
  const { content, name, tool_calls: toolCalls, tool_call_id: toolCallId } = m;
  if (content != null && typeof content !== 'string' && !Array.isArray(content)) throw typeError(`messages[${i}].content`, ['string', 'array'], content);
  if (name != null && typeof name !== 'string') throw typeError(`messages[${i}].name`, ['string'], name);
  if (toolCalls != null && !Array.isArray(toolCalls)) throw typeError(`messages[${i}].tool_calls`, ['array'], toolCalls);
  if (toolCallId != null && typeof toolCallId !== 'string') throw typeError(`messages[${i}].tool_call_id`, ['string'], toolCallId);
}

/** A 400 naming the first field of `fields` in `object` whose value is none of its types. */
function checkTypes(object: Record<string, unknown>, fields: Readonly<Record<string, readonly JsonType[]>>): void {
  for (const field in fields) {
    if (!Object.hasOwn(object, field)) continue;
    const value = object[field];
    const types = fields[field]!;
    if (value === null || value === undefined || types.some((t) => isType(value, t))) continue;
    throw typeError(field, types, value);
  }
}

/** OpenAI's words for it: "Invalid type for `temperature`: expected a number, got a string." */
function typeError(param: string, types: readonly JsonType[], value: unknown): GatewayError {
  return new GatewayError(400, `Invalid type for \`${param}\`: expected ${types.map(article).join(' or ')}, got ${describe(value)}.`, {
    type: 'invalid_request_error',
    code: 'invalid_type',
    param,
  });
}

function isType(value: unknown, type: JsonType): boolean {
  switch (type) {
    case 'integer':
      return Number.isInteger(value);
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isPlainObject(value);
    default:
      return typeof value === type;
  }
}

function article(type: JsonType): string {
  return type === 'integer' || type === 'object' || type === 'array' ? `an ${type}` : `a ${type}`;
}

function invalid(message: string, param: string | null): GatewayError {
  return new GatewayError(400, message, { type: 'invalid_request_error', code: 'invalid_request', param });
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `a string` : `${typeof value === 'object' ? 'an object' : `a ${typeof value}`}`;
}
