/** Public surface of the config module. */
export { ConfigError, configWarnings, loadConfig, parseConfigText } from './load-config.js';
export type { LoadOptions } from './load-config.js';
export { resolveBaseUrl } from './base-url.js';
export {
  DEFAULT_MOONSHOT_REGIONS,
  DEFAULT_OPENAI_BASE_URL,
  DEFAULT_STORE,
  ENVIRONMENT_SOURCE,
} from './defaults.js';
export type * from './types.js';
