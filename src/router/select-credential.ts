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
    const upstream: UpstreamCredential = { name: brought.source, apiKey: brought.apiKey, baseUrl, region: region ?? (provider.type === 'moonshot' ? 'global' : undefined) };
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
    };
    return [{ upstream, weight: 1 }];
  }
  const hint =
    provider.type === 'moonshot'
      ? 'Set MOONSHOT_API_KEY, add providers.moonshot.credentials to the config, or send your Moonshot key as `Authorization: Bearer sk-…`.'
      : `Add providers.${provider.name}.credentials to the config, or send your key as \`Authorization: Bearer …\`.`;
  const scopedOut = provider.credentials.length > 0 ? ` None of its credentials may serve \`${model}\` (see their \`models\` scope).` : '';
  throw new GatewayError(401, `${provider.name}: no API key to call this provider with.${scopedOut} ${hint}`, {
    type: 'authentication_error',
    code: 'missing_provider_key',
  });
}

export function toUpstream(provider: ProviderConfig, c: CredentialConfig): UpstreamCredential {
  return { name: c.name, apiKey: c.api_key, baseUrl: baseUrlOf(provider, c), region: c.region };
}

function baseUrlOf(provider: ProviderConfig, credential: Pick<CredentialConfig, 'base_url' | 'region'>): string {
  const url = resolveBaseUrl(provider, credential);
  if (url === undefined) {
    // The config loader requires a base_url for OpenAI-compatible providers; this guards hand-built configs.
    throw new Error(`provider "${provider.name}" has no base_url`);
  }
  return url;
}
