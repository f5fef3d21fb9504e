import type { ServerResponse } from 'node:http';
import { internalErrors } from './internal-error-report.js';

/** The OpenAI error body every client library knows how to read. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; code: string | null; param: string | null };
}

/**
 * An error the gateway answers with. Everything that goes wrong on a request ends up as one of
 * these, so the client always gets an OpenAI-shaped body and a fitting status, never a bare 500.
 */
export class GatewayError extends Error {
  readonly status: number;
  readonly type: string;
  readonly code: string | null;
  readonly param: string | null;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    message: string,
    options: { type?: string; code?: string | null; param?: string | null; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.status = status;
    this.type = options.type ?? defaultTypeForStatus(status);
    this.code = options.code ?? null;
    this.param = options.param ?? null;
    this.headers = options.headers ?? {};
  }

  toBody(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, code: this.code, param: this.param } };
  }
}

export function defaultTypeForStatus(status: number): string {
  if (status === 400 || status === 404 || status === 413 || status === 422) return 'invalid_request_error';
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  if (status === 504) return 'timeout_error';
  return 'api_error';
}

/**
 * A 405 naming what the route takes, in the message and in `allow`. A route that takes GET takes
 * HEAD too (the server answers HEAD as GET without the body), so `allow` says so.
 */
export function methodNotAllowed(method: string, path: string, allowed: readonly string[]): GatewayError {
  const allow = allowed.includes('GET') && !allowed.includes('HEAD') ? [...allowed, 'HEAD'] : allowed;
  return new GatewayError(405, `${method} is not allowed on ${path}; use ${allowed.join(' or ')}.`, {
    type: 'invalid_request_error',
    code: 'method_not_allowed',
    headers: { allow: allow.join(', ') },
  });
}

/**
 * Anything thrown becomes a GatewayError; unexpected ones are answered as ours, not the caller's,
 * and printed with their stack (internalErrors), which the answer leaves out.
 */
export function toGatewayError(err: unknown, requestId?: string): GatewayError {
  if (err instanceof GatewayError) return err;
  internalErrors.report(err, requestId);
  const message = err instanceof Error ? err.message : String(err);
  return new GatewayError(500, `moongate: internal error: ${message}`, { type: 'api_error', code: 'internal_error' });
}

export function sendError(res: ServerResponse, err: GatewayError, extraHeaders: Record<string, string> = {}): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  const body = JSON.stringify(err.toBody());
  const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
  try {
    res.writeHead(err.status, { ...extraHeaders, ...err.headers, ...headers });
  } catch {
    // A header value the HTTP layer refuses must not turn the error into a different one.
    res.writeHead(err.status, headers);
  }
  res.end(body);
}

/**
 * Header values may only hold visible ASCII: anything else (from request data such as a model
 * name) is percent-encoded, so writing the headers can never fail.
 */
export function headerSafe(value: string): string {
  if (/^[\x20-\x7e]*$/.test(value)) return value;
  return value.replace(/[^\x20-\x7e]/gu, (c) => {
    try {
      return encodeURIComponent(c);
    } catch {
      return '?'; // a lone surrogate cannot be encoded
    }
  });
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  sendJsonText(res, status, JSON.stringify(value), headers);
}

/**
 * Sends a body that is JSON already (an upstream answer passed on as it came). `headers` is a
 * fresh object of the caller's, added to rather than copied: this runs on every answer.
 */
export function sendJsonText(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  headers['content-type'] = 'application/json';
  headers['content-length'] = String(Buffer.byteLength(body));
  res.writeHead(status, headers);
  res.end(body);
}
