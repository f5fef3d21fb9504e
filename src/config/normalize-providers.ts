/**
 * Turns the YAML `providers:` map into `ProviderConfig`s: provider types from names, the
 * single-credential shorthand, credential defaults, base URLs, and cross-checks (unique credential
 * names, `credential_override` naming real credentials, base URLs where they are required).
 */
import { DEFAULT_MOONSHOT_REGIONS, DEFAULT_OPENAI_BASE_URL } from './defaults.js';
import { checkHttpUrl, checkName, normalizeBaseUrl } from './check-values.js';
import { parseWith } from './format-issues.js';
import { providerSchema } from './schema.js';
import type { RawLimits } from './schema.js';
import type { ConfigPath, ProblemList } from './problems.js';
import type { CredentialConfig, CredentialLimits, MoonshotRegion, ProviderConfig, ProviderType } from './types.js';

/** Providers whose type follows from their name. */
const BUILT_IN: Readonly<Record<string, ProviderType>> = { moonshot: 'moonshot', openai: 'openai' };

/** A provider with no credentials (requests may bring their own key). */
export function emptyProvider(name: string, type: ProviderType, base_url?: string): ProviderConfig {
  return {
    name,
    type,
    ...(base_url !== undefined ? { base_url } : type === 'openai' ? { base_url: DEFAULT_OPENAI_BASE_URL } : {}),
    regions: { ...DEFAULT_MOONSHOT_REGIONS },
    credentials: [],
    credential_override: {},
    stream_usage: true,
  };
}

interface CredentialInput {
  name: string;
  api_key: string;
  region?: MoonshotRegion;
  base_url?: string;
  weight?: number;
  limits?: RawLimits;
  models?: string[];
}

interface ProviderContext {
  name: string;
  type: ProviderType;
  base_url?: string;
}

function checkedUrl(url: string | undefined, path: ConfigPath, problems: ProblemList): string | undefined {
  if (url === undefined) return undefined;
  const problem = checkHttpUrl(url);
  if (problem) {
    problems.add(path, problem);
    return undefined;
  }
  return normalizeBaseUrl(url);
}

function copyLimits(limits: RawLimits | undefined): CredentialLimits | undefined {
  if (!limits) return undefined;
  const out: CredentialLimits = {};
  if (limits.concurrency !== undefined) out.concurrency = limits.concurrency;
  if (limits.rpm !== undefined) out.rpm = limits.rpm;
  if (limits.tpm !== undefined) out.tpm = limits.tpm;
  return out;
}

function normalizeCredential(
  input: CredentialInput,
  at: (field?: string) => ConfigPath,
  provider: ProviderContext,
  problems: ProblemList,
): CredentialConfig {
  if (input.api_key === '') problems.add(at('api_key'), 'must not be empty');
  if (input.region !== undefined && provider.type !== 'moonshot') {
    problems.add(at('region'), `is for moonshot providers only (provider "${provider.name}" is ${provider.type}); use base_url`);
  }
  const base_url = checkedUrl(input.base_url, at('base_url'), problems);
  if (provider.type === 'openai-compatible' && input.base_url === undefined && provider.base_url === undefined) {
    problems.add(at(), `base_url is required: provider "${provider.name}" is OpenAI-compatible and has no base_url of its own`);
  }
  const credential: CredentialConfig = { name: input.name, api_key: input.api_key, weight: input.weight ?? 1 };
  if (provider.type === 'moonshot') {
    const region = input.region ?? (input.base_url === undefined && provider.base_url === undefined ? 'global' : undefined);
    if (region) credential.region = region;
  }
  if (base_url !== undefined) credential.base_url = base_url;
  const limits = copyLimits(input.limits);
  if (limits) credential.limits = limits;
  if (input.models) {
    const prefix = `${provider.name}/`;
    input.models.forEach((m, i) => checkModelScopeEntry(m, [...at('models'), i], problems));
    credential.models = input.models.map((m) => (m.startsWith(prefix) ? m.slice(prefix.length) : m));
  }
  return credential;
}

/**
 * A credential's `models` are matched exactly. A glob there (gateway keys' `models` do take globs,
 * so it is easy to write one here too) matched no model id, and the credential silently served
 * nothing: requests failed with "none of its credentials may serve" at run time instead.
 */
function checkModelScopeEntry(model: string, path: ConfigPath, problems: ProblemList): void {
  if (!/[*?]/.test(model)) return;
  problems.add(path, `model ids are matched exactly, without globs (got ${JSON.stringify(model)}); list each id, e.g. [kimi-k2.6, kimi-k2.5]`);
}

function normalizeProvider(name: string, value: unknown, problems: ProblemList): ProviderConfig | undefined {
  const base = ['providers', name];
  const raw = parseWith(providerSchema, value, base, problems);
  if (!raw) return undefined;

  const builtIn = BUILT_IN[name];
  if (builtIn && raw.type !== undefined && raw.type !== builtIn) {
    problems.add([...base, 'type'], `provider "${name}" is always of type ${builtIn}; give a different name to ${raw.type === 'moonshot' ? 'a' : 'an'} ${raw.type} provider`);
  }
  const type: ProviderType = builtIn ?? raw.type ?? 'openai-compatible';

  const providerBaseUrl = checkedUrl(raw.base_url, [...base, 'base_url'], problems);
  const provider = emptyProvider(name, type, providerBaseUrl);

  if (raw.regions !== undefined) {
    if (type !== 'moonshot') {
      problems.add([...base, 'regions'], `is for moonshot providers only (provider "${name}" is ${type})`);
    } else {
      for (const region of ['global', 'cn'] as const) {
        const url = checkedUrl(raw.regions[region], [...base, 'regions', region], problems);
        if (url !== undefined) provider.regions[region] = url;
      }
    }
  }

  const context: ProviderContext = { name, type, ...(raw.base_url !== undefined ? { base_url: raw.base_url } : {}) };
  if (raw.api_key !== undefined && raw.credentials !== undefined) {
    problems.add([...base, 'api_key'], 'give either api_key (one credential) or credentials (a list), not both');
  }
  if (raw.api_key === undefined) {
    for (const key of ['region', 'limits'] as const) {
      if (raw[key] !== undefined) {
        problems.add([...base, key], `at provider level belongs to the api_key shorthand; without api_key, set ${key} on a credential`);
      }
    }
  }

  if (raw.credentials !== undefined) {
    const seen = new Map<string, number>();
    raw.credentials.forEach((cred, i) => {
      const at = (field?: string): ConfigPath => (field ? [...base, 'credentials', i, field] : [...base, 'credentials', i]);
      const nameProblem = checkName(cred.name, 'credential name');
      if (nameProblem) problems.add(at('name'), nameProblem);
      const first = seen.get(cred.name);
      if (first !== undefined) {
        problems.add(at('name'), `duplicate credential name "${cred.name}" (already used by credentials[${first}])`);
      } else {
        seen.set(cred.name, i);
      }
      provider.credentials.push(normalizeCredential(cred, at, context, problems));
    });
  } else if (raw.api_key !== undefined) {
    const at = (field?: string): ConfigPath => (field ? [...base, field] : base);
    const input: CredentialInput = { name: 'default', api_key: raw.api_key };
    if (raw.region !== undefined) input.region = raw.region;
    if (raw.limits !== undefined) input.limits = raw.limits;
    provider.credentials.push(normalizeCredential(input, at, context, problems));
  }

  if (type === 'openai-compatible' && raw.base_url === undefined && provider.credentials.length === 0) {
    problems.add(base, `base_url is required: provider "${name}" is OpenAI-compatible (only "moonshot" and "openai" are built in; set type: moonshot for another Moonshot account)`);
  }

  if (raw.credential_override !== undefined) {
    const names = [...new Set(provider.credentials.map((c) => c.name))];
    for (const [model, credentialName] of Object.entries(raw.credential_override)) {
      if (!names.includes(credentialName)) {
        const has = names.length ? `its credentials are: ${names.join(', ')}` : 'it has no credentials';
        problems.add([...base, 'credential_override', model], `names credential "${credentialName}", which provider "${name}" does not have (${has})`);
      }
    }
    provider.credential_override = Object.fromEntries(Object.entries(raw.credential_override));
  }
  if (raw.stream_usage !== undefined) {
    if (type === 'moonshot') problems.add([...base, 'stream_usage'], 'is for openai and openai-compatible providers (Moonshot is always asked for usage)');
    provider.stream_usage = raw.stream_usage;
  }
  return provider;
}

export interface NormalizedProviders {
  providers: Record<string, ProviderConfig>;
  /** Every provider name given (valid or not) plus the built-in moonshot: what `provider/model` may name. */
  names: Set<string>;
}

/**
 * Normalizes the `providers:` map. The `moonshot` provider always exists (with no credentials if
 * the file does not configure it) so requests can bring their own Moonshot key.
 */
export function normalizeProviders(raw: unknown, problems: ProblemList): NormalizedProviders {
  const entries: [string, ProviderConfig][] = [];
  const names = new Set<string>(['moonshot']);
  if (raw !== undefined && raw !== null) {
    if (typeof raw !== 'object' || Array.isArray(raw)) {
      problems.add(['providers'], 'must be a map of provider name to its settings (e.g. moonshot: { api_key: env:MOONSHOT_API_KEY })');
    } else {
      for (const [name, value] of Object.entries(raw)) {
        names.add(name);
        const nameProblem = checkName(name, 'provider name');
        if (nameProblem) {
          problems.add(['providers', name], nameProblem);
          continue;
        }
        const provider = normalizeProvider(name, value, problems);
        if (provider) entries.push([name, provider]);
      }
    }
  }
  const providers = Object.fromEntries(entries);
  if (!('moonshot' in providers)) providers.moonshot = emptyProvider('moonshot', 'moonshot');
  return { providers, names };
}
