import { GatewayError } from '../../server/gateway-error.js';
import type { LogPosition } from '../../store/store.js';

/** The `next_cursor` of a page: opaque to clients, a position in the newest-first order to us. */
export function encodeCursor(position: LogPosition): string {
  return Buffer.from(JSON.stringify([position.created_at_ms, position.id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): LogPosition {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 2 && Number.isFinite(value[0]) && typeof value[1] === 'string') {
      return { created_at_ms: value[0] as number, id: value[1] };
    }
  } catch {
    // fall through to the error below
  }
  throw new GatewayError(400, '`cursor` is not a cursor this gateway issued; pass `next_cursor` from the previous page as it is.', {
    code: 'invalid_cursor',
    param: 'cursor',
  });
}
