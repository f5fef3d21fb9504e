import { catalogueModels, findBareModel } from '../catalogue/catalogue.js';
import type { GatewayConfig } from '../config/types.js';
import { GatewayError } from '../server/gateway-error.js';

/** One place a request can go: a configured provider and the model id it knows. */
export interface RouteTarget {
  provider: string;
  model: string;
  weight: number;
}

export interface ResolvedModel {
  /** What the client asked for. */
  requested: string;
  /** Weighted candidates; one is picked per request. */
  targets: RouteTarget[];
  /** Tried in order when the targets fail (used by the router's retries). */
  fallbacks: RouteTarget[];
}

/**
 * Model names resolve in this order: a configured alias; `provider/model` for a configured
 * provider; a bare model id the catalogue knows (`kimi-k2.6`). Anything else is a 404 that says
 * how to find what exists.
 */
export function resolveModel(name: string, config: GatewayConfig): ResolvedModel {
  const alias = config.models.find((a) => a.name === name);
  // An alias named as a fallback lends its targets, not its own fallbacks: fallbacks do not chain,
  // so aliases that fall back to each other (a → b, b → a) resolve instead of recursing for ever.
  const fallbacks = alias ? alias.fallbacks.flatMap((f) => resolveTargets(f, config)) : [];
  return { requested: name, targets: resolveTargets(name, config), fallbacks };
}

/** Where a model name is served: an alias's targets, `provider/model`, or a bare catalogue id. */
export function resolveTargets(name: string, config: GatewayConfig): RouteTarget[] {
  const alias = config.models.find((a) => a.name === name);
  if (alias) return alias.targets.map((t) => ({ ...splitProviderModel(t.model)!, weight: t.weight }));

  const direct = splitProviderModel(name);
  if (direct && config.providers[direct.provider]) return [{ ...direct, weight: 1 }];

  const known = findBareModel(name);
  if (known && config.providers[known.provider]) return [{ provider: known.provider, model: known.id, weight: 1 }];

  throw modelNotFound(name, direct?.provider, config);
}

function splitProviderModel(name: string): { provider: string; model: string } | undefined {
  const slash = name.indexOf('/');
  if (slash <= 0 || slash === name.length - 1) return undefined;
  return { provider: name.slice(0, slash), model: name.slice(slash + 1) };
}

function modelNotFound(name: string, provider: string | undefined, config: GatewayConfig): GatewayError {
  const configured = Object.keys(config.providers).join(', ') || 'none';
  let why: string;
  if (provider !== undefined) why = `no provider named "${provider}" is configured (configured: ${configured})`;
  else {
    // Bare names are Moonshot's; another provider's model needs its prefix.
    const elsewhere = catalogueModels().find((m) => m.id === name || m.aliases?.includes(name));
    if (!elsewhere) why = 'it is neither a configured alias nor a Moonshot model id';
    else if (!config.providers[elsewhere.provider]) why = `it is ${elsewhere.provider}'s model, and no provider named "${elsewhere.provider}" is configured (configured: ${configured})`;
    else why = `bare model names are Moonshot's; for ${elsewhere.provider}'s model ask for \`${elsewhere.provider}/${name}\``;
  }
  return new GatewayError(
    404,
    `The model \`${name}\` does not exist: ${why}. List the models this gateway serves with GET /v1/models; address a provider's model directly as \`provider/model\`, e.g. \`moonshot/kimi-k2.6\`.`,
    { type: 'invalid_request_error', code: 'model_not_found', param: 'model' },
  );
}
