import type { IncomingMessage } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { GatewayError } from './gateway-error.js';

export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer (.+)$/i.exec(header);
  return match ? match[1] : undefined;
}

/**
 * With a master key set, every API route needs it; without one the gateway runs in open local
 * mode (announced at start-up). Virtual keys build on this in the keys module.
 */
export function requireMasterKey(req: IncomingMessage, masterKey: string | undefined): void {
  if (masterKey === undefined) return;
  const token = bearerToken(req);
  if (token === undefined) {
    throw new GatewayError(401, 'Missing gateway key: send `Authorization: Bearer <key>`.', { type: 'authentication_error', code: 'missing_api_key' });
  }
  if (!safeEqual(token, masterKey)) {
    throw new GatewayError(401, 'Invalid gateway key.', { type: 'authentication_error', code: 'invalid_api_key' });
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
