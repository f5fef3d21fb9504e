/**
 * The config used when there is no config file: defaults plus a few environment variables.
 *
 *   MOONSHOT_API_KEY     one moonshot credential named "default"
 *   MOONSHOT_REGION      its region: global (default) or cn
 *   MOONSHOT_API_BASE    base URL for the moonshot provider and that credential (LiteLLM's name)
 *   OPENAI_API_KEY       adds the openai provider with one credential named "default"
 *   OPENAI_API_BASE      its base URL (default https://api.openai.com/v1)
 *   MOONGATE_MASTER_KEY  the master key (unset = open local mode)
 *   MOONGATE_STORE       the store (default sqlite:./.moongate/moongate.db)
 *
 * An empty variable counts as unset.
 */
import { DEFAULT_OPENAI_BASE_URL, ENVIRONMENT_SOURCE, defaultConfig } from './defaults.js';
import { checkHttpUrl, checkMasterKey, checkStore, normalizeBaseUrl } from './check-values.js';
import { moonshotPlatformOf } from './moonshot-platform.js';
import { emptyProvider } from './normalize-providers.js';
import { ConfigError, suggestKey } from './problems.js';
import type { CredentialConfig, GatewayConfig, MoonshotRegion } from './types.js';

/** The environment variables read when there is no config file. */
export const ENVIRONMENT_VARIABLES = [
  'MOONSHOT_API_KEY',
  'MOONSHOT_REGION',
  'MOONSHOT_API_BASE',
  'OPENAI_API_KEY',
  'OPENAI_API_BASE',
  'MOONGATE_MASTER_KEY',
  'MOONGATE_STORE',
] as const;

export function configFromEnvironment(env: NodeJS.ProcessEnv): GatewayConfig {
  const read = (name: (typeof ENVIRONMENT_VARIABLES)[number]): string | undefined => {
    const value = env[name];
    return value === undefined || value === '' ? undefined : value;
  };
  const problems: string[] = [];
  const problem = (name: string, message: string) => problems.push(`environment: ${name}: ${message}`);
  const url = (name: 'MOONSHOT_API_BASE' | 'OPENAI_API_BASE'): string | undefined => {
    const value = read(name);
    if (value === undefined) return undefined;
    const p = checkHttpUrl(value);
    if (p) {
      problem(name, p);
      return undefined;
    }
    return normalizeBaseUrl(value);
  };

  const config = defaultConfig(ENVIRONMENT_SOURCE);

  const masterKey = read('MOONGATE_MASTER_KEY');
  const masterKeyProblem = masterKey === undefined ? undefined : checkMasterKey(masterKey);
  if (masterKeyProblem) problem('MOONGATE_MASTER_KEY', masterKeyProblem);
  else if (masterKey !== undefined) config.master_key = masterKey;

  const store = read('MOONGATE_STORE');
  if (store !== undefined) {
    const p = checkStore(store);
    if (p) problem('MOONGATE_STORE', p);
    else config.store = store;
  }

  const regionValue = read('MOONSHOT_REGION');
  let region: MoonshotRegion | undefined;
  if (regionValue === 'global' || regionValue === 'cn') region = regionValue;
  else if (regionValue !== undefined) problem('MOONSHOT_REGION', `must be "global" or "cn" (got ${JSON.stringify(regionValue)})`);
  const moonshotBase = url('MOONSHOT_API_BASE');
  const moonshot = emptyProvider('moonshot', 'moonshot', moonshotBase);
  // It stands in for the global region everywhere a region is named (a bring-your-own-key request,
  // `check --region global`): otherwise those went past it to api.moonshot.ai, off the machine or
  // around the proxy it names. Moonshot's own China host stays the China region.
  if (moonshotBase !== undefined && moonshotPlatformOf(moonshotBase) !== 'cn') moonshot.regions = { ...moonshot.regions, global: moonshotBase };
  const moonshotKey = read('MOONSHOT_API_KEY');
  if (moonshotKey !== undefined) {
    const credential: CredentialConfig = { name: 'default', api_key: moonshotKey, weight: 1 };
    if (region !== undefined || moonshotBase === undefined) credential.region = region ?? 'global';
    if (moonshotBase !== undefined) credential.base_url = moonshotBase;
    moonshot.credentials.push(credential);
  }
  config.providers.moonshot = moonshot;

  const openaiBase = url('OPENAI_API_BASE');
  const openaiKey = read('OPENAI_API_KEY');
  if (openaiKey !== undefined) {
    const openai = emptyProvider('openai', 'openai', openaiBase ?? DEFAULT_OPENAI_BASE_URL);
    openai.credentials.push({ name: 'default', api_key: openaiKey, weight: 1 });
    config.providers.openai = openai;
  }

  if (problems.length) throw new ConfigError(problems);
  return config;
}

/**
 * Every MOONGATE_ variable Moongate reads somewhere: the no-file config above, `moongate start`
 * (MOONGATE_CONFIG, MOONGATE_SECRET), the CLI (MOONGATE_URL), and the name the docs use for Redis.
 */
const MOONGATE_VARIABLES = ['MOONGATE_CONFIG', 'MOONGATE_MASTER_KEY', 'MOONGATE_STORE', 'MOONGATE_SECRET', 'MOONGATE_URL', 'MOONGATE_REDIS_URL'];

/** Names people reach for that Moongate takes elsewhere, and where. */
const SET_ELSEWHERE: Record<string, string> = {
  MOONGATE_PORT: '--port or server.port',
  MOONGATE_HOST: '--host or server.host',
};

/**
 * Start-up warnings about MOONGATE_ variables that are set but never read: a misspelt one was
 * ignored without a word (MOONGATE_MASTERKEY meant open local mode, MOONGATE_STOR the default
 * store). Only names close to a real one are named, so a user's own variables (README's
 * MOONGATE_KEY, one a config refers to with env:) pass.
 */
export function environmentWarnings(env: NodeJS.ProcessEnv): string[] {
  const warnings: string[] = [];
  for (const name of Object.keys(env)) {
    if (!name.startsWith('MOONGATE_') || MOONGATE_VARIABLES.includes(name)) continue;
    const elsewhere = SET_ELSEWHERE[name];
    // Compared without the shared prefix, which would make every MOONGATE_ name look close.
    const suffix = (v: string): string => v.slice('MOONGATE_'.length);
    const close = elsewhere === undefined ? suggestKey(suffix(name), MOONGATE_VARIABLES.map(suffix)) : undefined;
    const meant = close === undefined ? undefined : `MOONGATE_${close}`;
    if (elsewhere !== undefined) warnings.push(`environment: ${name} is set, but Moongate does not read it; use ${elsewhere}`);
    else if (meant !== undefined) warnings.push(`environment: ${name} is set, but Moongate does not read it (did you mean ${meant}?)`);
  }
  return warnings;
}
