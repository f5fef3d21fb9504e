import { resolveBaseUrl } from '../config/index.js';
import type { CredentialConfig, ProviderConfig } from '../config/types.js';
import type { UpstreamCredential } from '../providers/types.js';
import { GatewayError } from '../server/gateway-error.js';
import { pickWeighted } from './pick-weighted.js';

export interface CredentialRequest {
  provider: ProviderConfig;
  model: string;
  /** A provider key the caller brought (open mode `Authorization`, or per-request BYOK). */
  callerKey?: string;
  random?: () => number;
}

/**
 * Chooses the key for one call: the override for this model if one is configured, else a
 * weighted pick among credentials whose model scope allows the model. With none configured, a
 * key the caller brought is used as is.
 */
export function selectCredential(req: CredentialRequest): UpstreamCredential {
  const { provider, model } = req;
  const overrideName = provider.credential_override[`${provider.name}/${model}`] ?? provider.credential_override[model];
  if (overrideName !== undefined) {
    const forced = provider.credentials.find((c) => c.name === overrideName);
    if (forced) return toUpstream(provider, forced);
  }

  const eligible = provider.credentials.filter((c) => !c.models || c.models.includes(model));
  const picked = pickWeighted(eligible, req.random);
  if (picked) return toUpstream(provider, picked);

  if (req.callerKey !== undefined && req.callerKey !== '') {
    return { name: 'caller-key', apiKey: req.callerKey, baseUrl: baseUrlOf(provider, {}), region: provider.type === 'moonshot' ? 'global' : undefined };
  }
  const hint =
    provider.type === 'moonshot'
      ? 'Set MOONSHOT_API_KEY, add providers.moonshot.credentials to the config, or send your Moonshot key as `Authorization: Bearer sk-…`.'
      : `Add providers.${provider.name}.credentials to the config, or send your key as \`Authorization: Bearer …\`.`;
  const scoped = provider.credentials.length > 0 ? ` None of its credentials may serve \`${model}\` (see their \`models\` scope).` : '';
  return missingCredential(provider.name, `${scoped} ${hint}`);
}

function missingCredential(providerName: string, detail: string): never {
  throw new GatewayError(401, `${providerName}: no API key to call this provider with.${detail}`, {
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
