import type { IncomingHttpHeaders } from 'node:http';
import { redactKey } from '../providers/redact-key.js';
import { GatewayError } from '../server/gateway-error.js';
import type { Deployment } from './deployments.js';

/**
 * An upstream's error answer as its provider maps it, with the key the gateway sent blanked out
 * first: some upstreams echo it ("Incorrect API key provided: sk-…"), and the message goes on to
 * the client, the log record and the console. The key's last four characters stay, to tell keys
 * apart.
 */
export function mapUpstreamError(d: Deployment, status: number, body: string, headers: IncomingHttpHeaders, streamed: boolean): GatewayError {
  if (status < 400 || status > 599) return neitherAnswerNorError(d.provider.name, status, headers);
  const error = d.provider.mapError(status, redactKey(body, d.credential.apiKey), headers, d.credential, streamed);
  // Once more on the message parsed out of the body, where JSON escapes are undone.
  const message = redactKey(error.message, d.credential.apiKey);
  if (message === error.message) return error;
  return new GatewayError(error.status, message, { type: error.type, code: error.code, param: error.param, headers: error.headers });
}

/**
 * A status that is neither an answer nor an error (a redirect to a proxy's login page, http sent
 * to an https-only host, a 304 from a cache): the base_url does not lead to the API. It is not
 * followed (the request carries the operator's key), nor passed on: a 3xx without its Location, or
 * a 304 whose body HTTP drops, is no error a client can read. A 502, retried elsewhere like any
 * other upstream garbage. Only the redirect's host is named: its query may hold anything.
 */
function neitherAnswerNorError(providerName: string, status: number, headers: IncomingHttpHeaders): GatewayError {
  const location = hostOf(headers.location);
  const redirect = location !== undefined ? ` (a redirect to ${location})` : '';
  return new GatewayError(502, `${providerName}: answered HTTP ${status}${redirect} instead of an answer or an error; check the provider's base_url.`, {
    type: 'api_error',
    code: 'invalid_upstream_response',
  });
}

function hostOf(location: string | string[] | undefined): string | undefined {
  const url = Array.isArray(location) ? location[0] : location;
  if (url === undefined) return undefined;
  try {
    return new URL(url).host || undefined;
  } catch {
    // A relative Location: the same host the request went to.
    return undefined;
  }
}
