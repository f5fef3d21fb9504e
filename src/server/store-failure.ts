import { storeUnavailable } from '../store/store-unavailable.js';
import { GatewayError } from './gateway-error.js';

/**
 * A store failure as the API answers it. When the store cannot take anything now
 * (storeUnavailable: locked, gone, too slow): 503 `store_unavailable` with `retry-after: 1`, the
 * message saying what could not be done, not a 500, which an operator's alerts read as a bug in the
 * gateway. Any other error is thrown as it was.
 */
export function throwStoreFailure(err: unknown, message: (why: string) => string): never {
  if (!storeUnavailable(err)) throw err;
  throw new GatewayError(503, message(err instanceof Error ? err.message : String(err)), {
    type: 'api_error',
    code: 'store_unavailable',
    headers: { 'retry-after': '1' },
  });
}

/** Runs a store operation; a store that cannot take it now is answered as throwStoreFailure does. */
export async function storeOperation<T>(operation: () => Promise<T>, message: (why: string) => string): Promise<T> {
  try {
    return await operation();
  } catch (err) {
    throwStoreFailure(err, message);
  }
}
