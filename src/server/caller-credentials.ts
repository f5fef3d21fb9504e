import type { MoonshotRegion } from '../config/types.js';
import { GatewayError } from './gateway-error.js';

/** A provider key the caller brought for one request. Never stored, never logged. */
export interface CallerKey {
  apiKey: string;
  region?: MoonshotRegion;
  /** Where it came from, shown (without the key) in headers and errors. */
  source: 'customer_credentials' | 'credential_override';
}

/**
 * Keys the caller brought, in Respan's shapes:
 * `customer_credentials: { moonshot: { api_key, region? } }` for every model of a provider, and
 * `credential_override: { "moonshot/kimi-k2.6": { api_key, region? } }` for one model.
 * The model-specific one wins; both win over configured credentials. A `base_url` is not
 * accepted: a caller must not be able to make the gateway call arbitrary hosts.
 */
export class CallerCredentials {
  constructor(
    private readonly byProvider: ReadonlyMap<string, CallerKey>,
    private readonly byModel: ReadonlyMap<string, CallerKey>,
    /**
     * Open mode: the caller's bearer token, used when a provider has no credential at all (`''`
     * when none was sent). Undefined when the gateway has a master key: the token was its own.
     */
    readonly bearer: string | undefined,
  ) {}

  static none(bearer?: string): CallerCredentials {
    return new CallerCredentials(new Map(), new Map(), bearer);
  }

  static parse(customerCredentials: unknown, credentialOverride: unknown, bearer: string | undefined): CallerCredentials {
    // Most requests bring no keys: no maps to build for them.
    if (customerCredentials == null && credentialOverride == null) return bearer === undefined ? NO_CALLER_KEYS : new CallerCredentials(NO_KEYS, NO_KEYS, bearer);
    return new CallerCredentials(
      parseMap(customerCredentials, 'customer_credentials'),
      parseMap(credentialOverride, 'credential_override'),
      bearer,
    );
  }

  /** The caller brought keys of their own (the route then depends on them). */
  get bringsKeys(): boolean {
    return this.byProvider.size > 0 || this.byModel.size > 0;
  }

  /** The caller's key for this provider's model, if they brought one. */
  forModel(provider: string, model: string): CallerKey | undefined {
    return this.byModel.get(`${provider}/${model}`) ?? this.byProvider.get(provider);
  }
}

const NO_KEYS: ReadonlyMap<string, CallerKey> = new Map();
const NO_CALLER_KEYS = new CallerCredentials(NO_KEYS, NO_KEYS, undefined);

function parseMap(value: unknown, field: CallerKey['source']): Map<string, CallerKey> {
  const map = new Map<string, CallerKey>();
  if (value === undefined || value === null) return map;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(`\`${field}\` must be an object keyed by provider or provider/model.`, field);
  for (const [name, entry] of Object.entries(value as Record<string, unknown>)) {
    const param = `${field}.${name}`;
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw invalid(`\`${param}\` must be an object like { "api_key": "sk-…" }.`, param);
    const e = entry as Record<string, unknown>;
    if (typeof e.api_key !== 'string' || e.api_key.trim() === '') throw invalid(`\`${param}.api_key\` must be a non-empty string.`, `${param}.api_key`);
    // It goes into an Authorization header, which cannot carry anything else: the caller's mistake, not ours.
    if (!/^[\x20-\x7e]+$/.test(e.api_key)) {
      throw invalid(`\`${param}.api_key\` holds a line break, control or non-ASCII character; API keys are printable ASCII.`, `${param}.api_key`);
    }
    if (e.region !== undefined && e.region !== 'global' && e.region !== 'cn') throw invalid(`\`${param}.region\` must be "global" or "cn".`, `${param}.region`);
    if (e.base_url !== undefined) throw invalid(`\`${param}.base_url\` is not accepted: keys brought per request go to the configured hosts only.`, `${param}.base_url`);
    map.set(name, { apiKey: e.api_key, region: e.region as MoonshotRegion | undefined, source: field });
  }
  return map;
}

function invalid(message: string, param: string): GatewayError {
  return new GatewayError(400, message, { type: 'invalid_request_error', code: 'invalid_credentials', param });
}
