import { DEFAULT_OPENAI_BASE_URL } from './defaults.js';
import type { MoonshotRegion, ProviderConfig } from './types.js';

// A module of its own: the request path needs this, and must not load the config loader (yaml, zod).

/**
 * The base URL a request should go to: the credential's own `base_url`, else (Moonshot) its region's
 * URL, else the provider's `base_url`, else the provider type's default. Works for a configured
 * credential and for a bring-your-own-key request (`{ region? }` or `{}`).
 */
export function resolveBaseUrl(
  provider: ProviderConfig,
  credential: { base_url?: string; region?: MoonshotRegion } = {},
): string | undefined {
  if (credential.base_url) return credential.base_url;
  if (provider.type === 'moonshot' && credential.region) return provider.regions[credential.region];
  if (provider.base_url) return provider.base_url;
  if (provider.type === 'moonshot') return provider.regions.global;
  if (provider.type === 'openai') return DEFAULT_OPENAI_BASE_URL;
  return undefined;
}
