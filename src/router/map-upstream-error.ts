import type { IncomingHttpHeaders } from 'node:http';
import type { GatewayError } from '../server/gateway-error.js';
import type { Deployment } from './deployments.js';

/**
 * An upstream's error answer as its provider maps it, with the key the gateway sent blanked out
 * first: some upstreams echo it ("Incorrect API key provided: sk-…"), and the message goes on to
 * the client, the log record and the console. The key's last four characters stay, to tell keys
 * apart.
 */
export function mapUpstreamError(d: Deployment, status: number, body: string, headers: IncomingHttpHeaders): GatewayError {
  return d.provider.mapError(status, redactKey(body, d.credential.apiKey), headers, d.credential);
}

export function redactKey(text: string, key: string): string {
  // A very short "key" (a test value) would blank out ordinary words.
  if (key.length < 8 || !text.includes(key)) return text;
  return text.replaceAll(key, `[key …${key.slice(-4)}]`);
}
