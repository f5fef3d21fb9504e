import { resolveBaseUrl } from '../config/base-url.js';
import type { CredentialConfig, ProviderConfig } from '../config/types.js';
import type { UpstreamCredential } from '../providers/types.js';
import type { CallerCredentials } from '../server/caller-credentials.js';
import { GatewayError } from '../server/gateway-error.js';

/** A credential that may serve a model: a configured one, or the key the caller brought. */
export interface EligibleCredential {
  config?: CredentialConfig;
  upstream?: UpstreamCredential;
  weight: number;
}

/**
 * The credentials that may serve a model: a key the caller brought for it (BYOK) wins; then the
 * configured override for the model; else every credential whose model scope allows it. With none
 * configured, the caller's bearer token (open mode). No key at all is an error that says how to add one.
 */
export function eligibleCredentials(provider: ProviderConfig, model: string, caller: CallerCredentials | undefined): EligibleCredential[] {
  const brought = caller?.forModel(provider.name, model);
  if (brought) {
    // Without a region of its own, a brought key goes where the provider's default does (a
    // configured base_url, e.g. an egress proxy, else the global platform).
    const region = provider.type === 'moonshot' ? brought.region : undefined;
    const baseUrl = baseUrlOf(provider, region ? { region } : {});
    const upstream: UpstreamCredential = {
      name: brought.source,
      apiKey: brought.apiKey,
      baseUrl,
      region: region ?? (provider.type === 'moonshot' ? 'global' : undefined),
      brought: brought.source,
    };
    return [{ upstream, weight: 1 }];
  }
  const callerKey = caller?.bearer;
  const overrideName = provider.credential_override[`${provider.name}/${model}`] ?? provider.credential_override[model];
  if (overrideName !== undefined) {
    const forced = provider.credentials.find((c) => c.name === overrideName);
    if (forced) return [{ config: forced, weight: forced.weight }];
  }
  const scoped = provider.credentials.filter((c) => !c.models || c.models.includes(model));
  if (scoped.length > 0) return scoped.map((c) => ({ config: c, weight: c.weight }));

  if (callerKey !== undefined && callerKey !== '') {
    const upstream: UpstreamCredential = {
      name: 'caller-key',
      apiKey: callerKey,
      baseUrl: baseUrlOf(provider, {}),
      region: provider.type === 'moonshot' ? 'global' : undefined,
      brought: 'authorization',
    };
    return [{ upstream, weight: 1 }];
  }
  const hint = missingKeyHint(provider, callerKey !== undefined);
  const scopedOut = provider.credentials.length > 0 ? ` None of its credentials may serve \`${model}\` (see their \`models\` scope).` : '';
  throw new GatewayError(401, `${provider.name}: no API key to call this provider with.${scopedOut} ${hint}`, {
    type: 'authentication_error',
    code: 'missing_provider_key',
  });
}

/**
 * How to give a provider a key: the operator's way, and the caller's, which depends on the mode. In
 * open mode the caller's bearer token goes on to the provider; with a master key that header holds
 * a gateway key, so a caller brings theirs in the body (`customer_credentials`).
 */
function missingKeyHint(provider: ProviderConfig, openMode: boolean): string {
  const variable = provider.name === 'moonshot' ? 'MOONSHOT_API_KEY' : provider.name === 'openai' ? 'OPENAI_API_KEY' : undefined;
  const operator = `The operator can add one under \`providers.${provider.name}.credentials\` in the config${variable ? ` (without a config file: ${variable})` : ''}`;
  const whose = provider.type === 'moonshot' ? 'Moonshot' : provider.type === 'openai' ? 'OpenAI' : provider.name;
  const inBody = `\`"customer_credentials": {"${provider.name}": {"api_key": "…"}}\``;
  // A Moonshot key goes to the global platform unless the request says otherwise: a China key
  // holder following the hint would only meet a 401 next.
  const china = provider.type === 'moonshot' ? `; a China-platform key needs \`"region": "cn"\` beside its api_key${openMode ? `, in the body as ${inBody}` : ''}` : '';
  const caller = openMode
    ? `send your own ${whose} key as \`Authorization: Bearer …\`, which this gateway (open mode) passes on${china}`
    : `bring your own ${whose} key with the request: ${inBody}${china}`;
  return `${operator}; or ${caller}.`;
}

export function toUpstream(provider: ProviderConfig, c: CredentialConfig): UpstreamCredential {
  const upstream: UpstreamCredential = { name: c.name, apiKey: c.api_key, baseUrl: baseUrlOf(provider, c), region: c.region };
  if (c.base_url) upstream.ownBaseUrl = true;
  return upstream;
}

function baseUrlOf(provider: ProviderConfig, credential: Pick<CredentialConfig, 'base_url' | 'region'>): string {
  const url = resolveBaseUrl(provider, credential);
  if (url === undefined) {
    // The config loader requires a base_url for OpenAI-compatible providers; this guards hand-built configs.
    throw new Error(`provider "${provider.name}" has no base_url`);
  }
  return url;
}
