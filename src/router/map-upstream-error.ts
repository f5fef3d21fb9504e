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
export function mapUpstreamError(d: Deployment, status: number, body: string, headers: IncomingHttpHeaders): GatewayError {
  const error = d.provider.mapError(status, redactKey(body, d.credential.apiKey), headers, d.credential);
  // Once more on the message parsed out of the body, where JSON escapes are undone.
  const message = redactKey(error.message, d.credential.apiKey);
  if (message === error.message) return error;
  return new GatewayError(error.status, message, { type: error.type, code: error.code, param: error.param, headers: error.headers });
}
