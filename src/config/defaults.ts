/** Default values of every config key; fresh objects on each call so callers may mutate them. */
import type { GatewayConfig, LoggingConfig, MoonshotRegion, RouterConfig } from './types.js';

export const DEFAULT_HOST = '0.0.0.0';
export const DEFAULT_PORT = 4000;
export const DEFAULT_MAX_BODY_MB = 32;
/** How long a shutdown waits for requests in flight before stopping them (they are still logged). */
export const DEFAULT_DRAIN_TIMEOUT_MS = 25_000;
export const DEFAULT_STORE = 'sqlite:./.moongate/moongate.db';

export const DEFAULT_MOONSHOT_REGIONS: Readonly<Record<MoonshotRegion, string>> = Object.freeze({
  global: 'https://api.moonshot.ai/v1',
  cn: 'https://api.moonshot.cn/v1',
});

export const DEFAULT_OPENAI_BASE_URL = 'https://api.openai.com/v1';

/** `source` of a config built without a file. */
export const ENVIRONMENT_SOURCE = 'defaults + environment';

export function defaultLogging(): LoggingConfig {
  return { bodies: 'full', max_body_kb: 64 };
}

export function defaultRouter(): RouterConfig {
  return {
    retries: 2,
    timeout_ms: 600_000,
    first_token_timeout_ms: 20_000,
    idle_timeout_ms: 120_000,
    stream_keepalive_ms: 15_000,
    connect_timeout_ms: 10_000,
    backoff_ms: 200,
    max_queue_wait_ms: 10_000,
    max_queue_size: 1_000,
    disabled_recheck_seconds: 300,
    cooldown: { fails: 3, seconds: 30, window_seconds: 60 },
  };
}

/** The whole config with nothing configured: no providers yet, no master key, no redis. */
export function defaultConfig(source: string): GatewayConfig {
  return {
    server: { host: DEFAULT_HOST, port: DEFAULT_PORT, max_body_mb: DEFAULT_MAX_BODY_MB, drain_timeout_ms: DEFAULT_DRAIN_TIMEOUT_MS, cors_origins: [] },
    store: DEFAULT_STORE,
    logging: defaultLogging(),
    providers: {},
    models: [],
    router: defaultRouter(),
    pricing: {},
    source,
  };
}
