import { GatewayError } from '../server/gateway-error.js';
import { abortError } from './stop-switch.js';
import type { StopSignal } from './stop-switch.js';

/** The upstream answered, then the connection broke (or timed out) before its body was complete. */
export function brokenWhileReading(providerName: string, err: unknown): GatewayError {
  const detail = err instanceof Error ? err.message : String(err);
  return new GatewayError(502, `${providerName}: the connection broke while reading the answer (${detail})`, {
    type: 'api_error',
    code: 'upstream_incomplete',
  });
}

/** Errors of a connection that was open and then closed or reset by the other side. */
const CLOSED_BEFORE_ANSWER = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

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
  // Reached, sent, then hung up on: "could not reach" would send the operator after the wrong fault.
  // (A reset during the TLS handshake is a network that would not let the gateway reach the host.)
  if (CLOSED_BEFORE_ANSWER.has(e?.code ?? '') && !/before secure TLS connection/i.test(e.message ?? '')) {
    const why = e.message && e.message !== e.code ? `${e.code}: ${e.message}` : detail;
    return new GatewayError(502, `${providerName}: ${host} closed the connection before answering (${why})`, { type: 'api_error', code: 'upstream_closed' });
  }
  return new GatewayError(502, `${providerName}: could not reach ${host} (${detail})`, { type: 'api_error', code: 'upstream_unreachable' });
}

/** What a pulled signal says, as an Error undici can carry (an abort without a reason gets one). */
export function abortReason(signal: StopSignal): Error {
  return signal.reason instanceof Error ? signal.reason : abortError();
}
