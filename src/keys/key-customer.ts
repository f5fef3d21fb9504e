import { GatewayError } from '../server/gateway-error.js';

/**
 * Whom a request or a log record with a gateway key is for. A key made for a customer is for that
 * customer alone: nothing given means the key's customer, another one is a 403 (it would move the
 * key's spend into another customer's report). Keys made for no customer, and no key, take any.
 * `refusal` words the 403 for where it happens (a request, a record sent in).
 */
export function keyCustomer(own: string | null, given: string | null, param: string, refusal: (own: string, given: string) => string): string | null {
  if (own === null || given === null || given === own) return own ?? given;
  throw new GatewayError(403, refusal(own, given), { type: 'permission_error', code: 'customer_not_allowed', param });
}
