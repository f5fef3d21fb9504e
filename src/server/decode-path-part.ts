import { GatewayError } from './gateway-error.js';

/** A percent-encoded id from the path (`/v1/logs/{id}`), or a 400 naming `what` when it is not valid encoding. */
export function decodePathPart(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new GatewayError(400, `The ${what} in the path is not valid percent-encoding: ${JSON.stringify(part)}.`, { type: 'invalid_request_error', code: 'invalid_path' });
  }
}
