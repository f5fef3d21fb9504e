/**
 * The gateway's configuration after loading: env references resolved, defaults applied, validated.
 * The YAML shape is the user-facing contract (docs/configuration.md); this is what code reads.
 */

export type MoonshotRegion = 'global' | 'cn';

export interface CredentialLimits {
  concurrency?: number;
  rpm?: number;
  tpm?: number;
}

export interface CredentialConfig {
  /** Unique within its provider; shown in logs and headers instead of the key. */
  name: string;
  /** May be empty: a provider can run on bring-your-own-key requests only. */
  api_key: string;
  /** Moonshot only: which platform the key belongs to. */
  region?: MoonshotRegion;
  /** Overrides the provider's/region's base URL, e.g. `https://api.moonshot.ai/v1`. */
  base_url?: string;
  weight: number;
  limits?: CredentialLimits;
  /** Model ids (without provider prefix) this credential may serve; all when absent. */
  models?: string[];
}

/** `moonshot` and `openai` are built in; any other name is an OpenAI-compatible provider. */
export type ProviderType = 'moonshot' | 'openai' | 'openai-compatible';

export interface ProviderConfig {
  name: string;
  type: ProviderType;
  /** Default base URL for credentials that set none (required for openai-compatible). */
  base_url?: string;
  /** Moonshot only: the base URL of each region (defaults: api.moonshot.ai / api.moonshot.cn). */
  regions: Record<MoonshotRegion, string>;
  credentials: CredentialConfig[];
  /** `provider/model` (or bare model id) → credential name that must serve it. */
  credential_override: Record<string, string>;
  /**
   * OpenAI and OpenAI-compatible providers: ask for usage on streams (`stream_options.include_usage`),
   * so that every stream is logged, priced and charged to its key. Off for a server that refuses
   * the field. (Moonshot always gets it.)
   */
  stream_usage: boolean;
}

export interface AliasTarget {
  /** `provider/model`. */
  model: string;
  weight: number;
}

export interface ModelAlias {
  name: string;
  targets: AliasTarget[];
  fallbacks: string[];
}

export interface RouterConfig {
  /** Further attempts after the first, across credentials, targets and fallbacks. */
  retries: number;
  /** Whole request, from arrival to the last byte. */
  timeout_ms: number;
  /** Streams: from sending upstream to the first event; past it the next candidate is tried. */
  first_token_timeout_ms: number;
  /** Streams: longest silence between two events once streaming. */
  idle_timeout_ms: number;
  /**
   * Streams: after this long without a byte for the client, an SSE comment is sent (and, before a
   * first event the router will not fail over from, the response is committed early); 0: never.
   */
  stream_keepalive_ms: number;
  connect_timeout_ms: number;
  /** First retry delay for the same deployment; doubles each time, with full jitter. */
  backoff_ms: number;
  /** Longest a request waits for a credential with room under its limits before a 429. */
  max_queue_wait_ms: number;
  /** Requests waiting at once; past it new ones get 429 at once. */
  max_queue_size: number;
  /** A credential the provider rejected (401, no balance) is tried again after this long. */
  disabled_recheck_seconds: number;
  /** After `fails` failures within `window_seconds`, a deployment rests for `seconds`. */
  cooldown: { fails: number; seconds: number; window_seconds: number };
}

export interface LoggingConfig {
  bodies: 'full' | 'redacted' | 'off';
  max_body_kb: number;
  /** Days to keep log records; unset keeps them forever. */
  retention_days?: number;
}

export interface ModelPriceOverride {
  input?: number;
  cached_input?: number | null;
  output?: number;
}

export interface GatewayConfig {
  server: {
    host: string;
    port: number;
    max_body_mb: number;
    drain_timeout_ms: number;
    /** Web-page origins that may call the API with a gateway key (CORS); empty: none. */
    cors_origins: string[];
  };
  master_key?: string;
  store: string;
  redis?: string;
  logging: LoggingConfig;
  providers: Record<string, ProviderConfig>;
  models: ModelAlias[];
  router: RouterConfig;
  pricing: Record<string, ModelPriceOverride>;
  /** Where the config came from, for start-up messages. */
  source: string;
}
