import { keyCustomer } from '../../keys/key-customer.js';
import { keyMayUse } from '../../keys/model-globs.js';
import { GatewayError } from '../../server/gateway-error.js';
import type { IngestContext } from './ingest-context.js';

/*
 * What a gateway key may put in the records it sends. Its records are its own (`key_id`), and
 * everyone who reads spend by model or customer trusts them, so a key may log only what it could
 * have asked the gateway for: models within its globs, its own customer, and a cost the gateway
 * works out itself. The master key sends whatever it likes.
 */

/**
 * 403 for a cost the sender gives (`cost_usd`, or Respan's `cost` and unit prices) when a gateway
 * key sends it: the record's cost comes from its tokens at the catalogue's prices instead.
 */
export function refuseKeyCost(ctx: IngestContext, given: Record<string, number | null | undefined>): void {
  if (ctx.keyId === null) return;
  for (const [field, value] of Object.entries(given)) {
    if (value === undefined || value === null) continue;
    throw new GatewayError(
      403,
      `A gateway key cannot set \`${field}\`: the cost of the records it sends is computed from their tokens at the catalogue's prices (null when the model has no price). Leave it out, or send the record with the master key.`,
      { type: 'permission_error', code: 'cost_not_allowed', param: field },
    );
  }
}

/**
 * 403 model_not_allowed unless the sending key may use the record's model (as `provider/model` when
 * the provider is known), by the proxy's rule: a key given bare `kimi-k2.6` may log
 * `moonshot/kimi-k2.6`, which is how a bare Moonshot name is stored (see keyMayUse).
 */
export function checkKeyModel(ctx: IngestContext, provider: string | null, model: string): void {
  if (!ctx.key) return;
  const name = provider ? `${provider}/${model}` : model;
  if (keyMayUse(ctx.key.models, name)) return;
  throw new GatewayError(403, `This gateway key may not use \`${name}\`, so it cannot log requests to it. Allowed: ${(ctx.key.models ?? []).join(', ') || 'no models'}.`, {
    type: 'permission_error',
    code: 'model_not_allowed',
    param: 'model',
  });
}

/**
 * The record's customer: a key that has a customer logs for it alone (the record gets it when none
 * is given; another is refused with 403). Keys without one, and the master key, name any.
 */
export function recordCustomer(ctx: IngestContext, given: string | null, param: string): string | null {
  return keyCustomer(ctx.key?.customer_identifier ?? null, given, param, (own, other) => `This gateway key logs for customer \`${own}\` only; a record for \`${other}\` must be sent with the master key.`);
}
