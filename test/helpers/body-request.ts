import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import type { GatewayError } from '../../src/server/gateway-error.js';

/** An incoming request whose body is `body` (for the body readers, without a server). */
export function bodyRequest(body: Buffer | string, headers: Record<string, string> = {}): IncomingMessage {
  const stream = Readable.from([Buffer.from(body)]) as unknown as IncomingMessage;
  stream.headers = headers;
  return stream;
}

/** The error a promise rejects with; throws if it resolves. */
export async function failure(p: Promise<unknown>): Promise<GatewayError> {
  try {
    await p;
  } catch (e) {
    return e as GatewayError;
  }
  throw new Error('expected a failure');
}
