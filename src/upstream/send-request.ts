import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { GatewayError } from '../server/gateway-error.js';
import type { UpstreamPools } from './pool.js';
import { upstreamTarget } from './upstream-target.js';

export interface UpstreamRequest {
  baseUrl: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal;
  timeoutMs: number;
  providerName: string;
}

export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Dispatcher.ResponseData['body'];
}

/**
 * One POST upstream whose body is read as it arrives (streams). Network failures become 502/504
 * GatewayErrors that name the host.
 */
export async function sendUpstreamRequest(pools: UpstreamPools, req: UpstreamRequest): Promise<UpstreamResponse> {
  const target = upstreamTarget(req.baseUrl);
  try {
    const res = await pools.poolFor(target.origin).request({
      method: 'POST',
      path: target.pathPrefix + req.path,
      headers: req.headers,
      body: req.body,
      signal: req.signal,
      headersTimeout: req.timeoutMs,
      bodyTimeout: req.timeoutMs,
    });
    return { status: res.statusCode, headers: res.headers as IncomingHttpHeaders, body: res.body };
  } catch (err) {
    throw networkError(req.providerName, target.host, err);
  }
}

/** The upstream answered, then the connection broke (or timed out) before its body was complete. */
export function brokenWhileReading(providerName: string, err: unknown): GatewayError {
  const detail = err instanceof Error ? err.message : String(err);
  return new GatewayError(502, `${providerName}: the connection broke while reading the answer (${detail})`, {
    type: 'api_error',
    code: 'upstream_incomplete',
  });
}

export function networkError(providerName: string, host: string, err: unknown): GatewayError {
  const e = err as { code?: string; message?: string; name?: string };
  if (e?.name === 'AbortError' || e?.code === 'UND_ERR_ABORTED') {
    return new GatewayError(499, `${providerName}: request aborted by the client`, { type: 'api_error', code: 'client_closed_request' });
  }
  if (e?.code === 'UND_ERR_HEADERS_TIMEOUT' || e?.code === 'UND_ERR_BODY_TIMEOUT' || e?.code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new GatewayError(504, `${providerName}: ${host} did not answer in time (${e.code})`, { type: 'timeout_error', code: 'upstream_timeout' });
  }
  if (e?.code === 'UND_ERR_INVALID_ARG' && /header/i.test(e.message ?? '')) {
    return new GatewayError(
      500,
      `${providerName}: the request could not be sent to ${host}: a header value is invalid. This is usually an API key with a line break or other control character in it: check the configured key.`,
      { type: 'api_error', code: 'invalid_credential_format' },
    );
  }
  const detail = e?.code ?? e?.message ?? String(err);
  return new GatewayError(502, `${providerName}: could not reach ${host} (${detail})`, { type: 'api_error', code: 'upstream_unreachable' });
}
