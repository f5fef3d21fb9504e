import { GatewayError } from './gateway-error.js';

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
  });
  if (b.stream !== undefined && b.stream !== null && typeof b.stream !== 'boolean') {
    throw invalid(`Field \`stream\` must be a boolean, got ${describe(b.stream)}.`, 'stream');
  }
  return b as ChatRequestBody;
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
