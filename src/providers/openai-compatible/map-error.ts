import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError, defaultTypeForStatus } from '../../server/gateway-error.js';
import { isPlainObject } from '../../server/plain-object.js';

interface UpstreamErrorFields {
  message?: string;
  type?: string;
  code: string | null;
  param: string | null;
}

const RETRY_HINTS = ['retry-after', 'retry-after-ms'] as const;

/** Upstream errors keep status, type and code; the message says which provider said it. */
export function mapOpenAIStyleError(providerName: string, status: number, rawBody: string, headers: IncomingHttpHeaders): GatewayError {
  const { message: read, type, code, param } = readErrorBody(rawBody);
  const message = read ?? (rawBody.trim() === '' ? `HTTP ${status} with an empty body` : `HTTP ${status}: ${rawBody.trim().slice(0, 200)}`);
  const extra: Record<string, string> = {};
  // Both retry hints go on to the client: the OpenAI SDKs read `retry-after-ms` first (Azure sends it).
  for (const name of RETRY_HINTS) {
    const value = headers[name];
    if (typeof value === 'string' && value !== '') extra[name] = value;
  }
  return new GatewayError(status, `${providerName}: ${message}`, { type: type ?? defaultTypeForStatus(status), code: codeForStatus(status, code), param, headers: extra });
}

/**
 * HTTP 402 is how OpenRouter and DeepSeek say the account has no credit left (whatever code they
 * add: OpenRouter's is the number 402): OpenAI's `insufficient_quota`, which the router knows to
 * act on (the credential is disabled and the request moves on) rather than pass on as the caller's.
 * Any other status keeps the code it came with.
 */
export function codeForStatus(status: number, code: string | null): string | null {
  return status === 402 ? 'insufficient_quota' : code;
}

/**
 * The fields of an error body, in the shapes OpenAI-compatible servers use: OpenAI's
 * `{"error": {message, type, code, param}}`; a string `error` (LM Studio, TGI); the flat
 * `{"object": "error", message, type, code}` of vLLM and SGLang; FastAPI's `{"detail": "…"}` and
 * its validation error (a 422 whose `detail` lists `{loc, msg}`);
 * Gemini's OpenAI-compatible endpoint, which wraps Google's error in an array (`[{"error": …}]`).
 * Without this a flat error reached the client as raw JSON cut at 200 characters, which cut off
 * the end of vLLM's context-length message (how many tokens to drop).
 */
function readErrorBody(rawBody: string): UpstreamErrorFields {
  const none: UpstreamErrorFields = { code: null, param: null };
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody);
  } catch {
    return none; // Not JSON: the caller reports the text.
  }
  if (Array.isArray(parsed) && parsed.length === 1 && isPlainObject(parsed[0]) && isPlainObject(parsed[0].error)) parsed = parsed[0];
  if (!isPlainObject(parsed)) return none;
  if (typeof parsed.error === 'string') return { ...none, message: parsed.error };
  if (isPlainObject(parsed.error)) return errorFields(parsed.error);
  if (typeof parsed.detail === 'string') return { ...none, message: parsed.detail };
  const details = validationDetails(parsed.detail);
  if (details !== undefined) return { ...none, message: details };
  // A flat body is only read as an error when it carries a message; other JSON is shown as is.
  return typeof parsed.message === 'string' || nestedDetails(parsed.message) !== undefined ? errorFields(parsed) : none;
}

function errorFields(e: Record<string, unknown>): UpstreamErrorFields {
  const fields: UpstreamErrorFields = { code: null, param: null };
  const message = typeof e.message === 'string' ? e.message + forwardedProviderError(e.metadata) : nestedDetails(e.message);
  if (message !== undefined) fields.message = message;
  if (typeof e.type === 'string') fields.type = e.type;
  // OpenAI's code is a string; vLLM, SGLang and llama.cpp send the status as a number (400).
  if (typeof e.code === 'string') fields.code = e.code;
  else if (typeof e.code === 'number' && Number.isFinite(e.code)) fields.code = String(e.code);
  if (typeof e.param === 'string') fields.param = e.param;
  return fields;
}

/** How much of a forwarded provider error is shown (it may be a whole HTML page). */
const MAX_FORWARDED_CHARS = 300;

/**
 * OpenRouter answers a failure of the model's own provider with a bare "Provider returned error"
 * and puts what that provider said in `metadata: {provider_name, raw}` (openrouter.ai/docs/api/
 * reference/errors). The OpenAI error shape has no room for metadata, so without this the client
 * learnt nothing of the cause: it is added to the message, the provider's own message when `raw`
 * is an error body it can read, else the start of `raw`.
 */
function forwardedProviderError(metadata: unknown): string {
  if (!isPlainObject(metadata) || typeof metadata.provider_name !== 'string' || metadata.raw === undefined || metadata.raw === null) return '';
  const raw = typeof metadata.raw === 'string' ? metadata.raw : JSON.stringify(metadata.raw);
  const said = readErrorBody(raw).message ?? raw.trim();
  const shown = said.length > MAX_FORWARDED_CHARS ? `${said.slice(0, MAX_FORWARDED_CHARS)}…` : said;
  return shown === '' ? '' : ` (${metadata.provider_name}: ${shown})`;
}

/** Mistral's flat error nests FastAPI's validation error as its message: `{"message": {"detail": […]}}`. */
function nestedDetails(message: unknown): string | undefined {
  return isPlainObject(message) ? validationDetails(message.detail) : undefined;
}

/**
 * FastAPI's validation error (`{"detail": [{"loc": ["body", "messages"], "msg": "Field required",
 * "input": …}]}`), as `body.messages: Field required; …`. Its `input` echoes the request, which
 * filled the 200 characters shown of a body the gateway could not read, before any `msg`.
 */
function validationDetails(detail: unknown): string | undefined {
  if (!Array.isArray(detail)) return undefined;
  const parts: string[] = [];
  for (const item of detail) {
    if (!isPlainObject(item) || typeof item.msg !== 'string') return undefined;
    const where = Array.isArray(item.loc) ? item.loc.filter((p) => typeof p === 'string' || typeof p === 'number').join('.') : '';
    parts.push(where === '' ? item.msg : `${where}: ${item.msg}`);
  }
  return parts.length > 0 ? parts.join('; ') : undefined;
}
