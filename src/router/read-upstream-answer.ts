import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from '../server/gateway-error.js';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../server/json-nesting.js';
import { answerTooLarge } from '../upstream/answer-limits.js';
import { ANSWER_TOO_LARGE } from '../upstream/upstream-body.js';
import { statusInErrorCode } from '../upstream/status-in-error-code.js';
import { brokenWhileReading } from '../upstream/upstream-errors.js';
import type { UpstreamResponse } from '../upstream/send-request.js';
import type { Deployment } from './deployments.js';
import { mapUpstreamError } from './map-upstream-error.js';
import { statusForErrorType } from './status-for-error-type.js';
import { redactKey } from '../providers/redact-key.js';

/** A streamed upstream body read whole (an error answer, or JSON where a stream was asked for). */
export async function readText(res: UpstreamResponse, providerName: string): Promise<string> {
  try {
    return await res.body.text();
  } catch (err) {
    throw (err as { code?: unknown }).code === ANSWER_TOO_LARGE ? answerTooLarge(providerName) : brokenWhileReading(providerName, err);
  }
}

/**
 * A 2xx body as JSON. An `error` object in it is mapped like the provider's error answers, with
 * the status its type stands for (a 502 when it has none the gateway knows): a 200 saying
 * "invalid request" is the caller's mistake, not a broken upstream to retry everywhere.
 */
export function parseAnswer(text: string, headers: IncomingHttpHeaders, d: Deployment, streamed: boolean): unknown {
  const json = parseUpstreamJson(text, d.provider.name, d.credential.apiKey);
  const error = json && typeof json === 'object' && 'error' in json ? (json as { error: unknown }).error : undefined;
  if (error) throw mapUpstreamError(d, statusCodeOf(error) ?? statusForErrorType(typeOf(error)), text, headers, streamed);
  return json;
}

/** An untyped error whose code is an HTTP status (OpenRouter's after its 200: `{"code": 429, …}`). */
function statusCodeOf(error: unknown): number | undefined {
  if (typeOf(error) !== undefined) return undefined;
  return statusInErrorCode(typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined);
}

function typeOf(error: unknown): string | undefined {
  const type = typeof error === 'object' && error !== null ? (error as { type?: unknown }).type : undefined;
  return typeof type === 'string' ? type : undefined;
}

function parseUpstreamJson(text: string, providerName: string, upstreamKey: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const shown = redactKey(text, upstreamKey);
    const preview = shown.length > 120 ? `${shown.slice(0, 120)}…` : shown;
    throw new GatewayError(502, `${providerName}: answered with a body that is not JSON: ${JSON.stringify(preview)}`, {
      type: 'api_error',
      code: 'invalid_upstream_response',
    });
  }
  if (nestedDeeperThan(value)) {
    throw new GatewayError(502, `${providerName}: answered with JSON nested more than ${MAX_JSON_DEPTH} levels deep.`, {
      type: 'api_error',
      code: 'invalid_upstream_response',
    });
  }
  return value;
}
