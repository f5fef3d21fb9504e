import type { CredentialConfig, CredentialLimits, GatewayConfig, MoonshotRegion } from '../config/types.js';
import { GatewayError } from '../server/gateway-error.js';
import type { CredentialRepository, StoredCredential } from './credential-repository.js';
import { SecretBox, lastFour, withoutUserinfo } from './secret-box.js';

export interface AddCredentialInput {
  provider: string;
  name: string;
  api_key: string;
  region?: MoonshotRegion;
  base_url?: string;
  weight?: number;
  limits?: CredentialLimits;
  models?: string[];
}

/** How a credential is shown: by name and last four characters, never the key. */
export interface CredentialView {
  provider: string;
  name: string;
  key_last4: string;
  region: MoonshotRegion | null;
  base_url: string | null;
  weight: number;
  limits: CredentialLimits | null;
  models: string[] | null;
  source: 'config' | 'stored';
  created_at: string | null;
}

/**
 * Provider keys added at run time: sealed with AES-256-GCM under MOONGATE_SECRET before they are
 * stored (refused without it), and put into the provider's rotation at once, with weights and
 * limits like configured ones.
 */
export class StoredCredentials {
  private readonly box: SecretBox | undefined;
  /** `provider/name` of each stored credential, and when it was stored (epoch ms). */
  private readonly stored = new Map<string, number>();

  constructor(
    private readonly repository: CredentialRepository,
    private readonly config: GatewayConfig,
    secret: string | undefined,
    /** Told after every change to a provider's credentials (the router rebuilds its deployments). */
    private readonly onChange: () => void = () => undefined,
  ) {
    this.box = secret ? new SecretBox(secret) : undefined;
  }

  /** At start-up: every stored credential back into rotation. Fails loudly if the secret is wrong. */
  async load(): Promise<number> {
    const rows = await this.repository.listCredentials();
    if (rows.length === 0) return 0;
    if (!this.box) throw new Error(`${rows.length} stored provider credential(s) cannot be used: MOONGATE_SECRET is not set.`);
    for (const row of rows) {
      let apiKey: string;
      try {
        apiKey = this.box.open(row.api_key_sealed);
      } catch (err) {
        throw new Error(`stored credential ${row.provider}/${row.name}: ${(err as Error).message}`);
      }
      this.register(row, apiKey);
    }
    return rows.length;
  }

  async add(input: AddCredentialInput): Promise<CredentialView> {
    if (!this.box) {
      throw new GatewayError(400, 'Refusing to store a provider key: MOONGATE_SECRET is not set, so it could not be encrypted at rest. Set it (16+ characters) and restart.', {
        type: 'invalid_request_error',
        code: 'secret_not_configured',
      });
    }
    const provider = this.config.providers[input.provider];
    if (!provider) throw new GatewayError(404, `No provider named "${input.provider}" is configured.`, { type: 'invalid_request_error', code: 'provider_not_found', param: 'provider' });
    if (provider.credentials.some((c) => c.name === input.name)) {
      throw new GatewayError(409, `Provider "${input.provider}" already has a credential named "${input.name}".`, { type: 'invalid_request_error', code: 'credential_exists', param: 'name' });
    }
    if (input.region && provider.type !== 'moonshot') {
      throw new GatewayError(400, '`region` applies to Moonshot credentials only.', { type: 'invalid_request_error', code: 'invalid_request', param: 'region' });
    }
    const row: StoredCredential = {
      provider: input.provider,
      name: input.name,
      api_key_sealed: this.box.seal(input.api_key),
      key_last4: lastFour(input.api_key),
      region: provider.type === 'moonshot' && !input.base_url ? (input.region ?? 'global') : (input.region ?? null),
      base_url: input.base_url?.replace(/\/+$/, '') ?? null,
      weight: input.weight ?? 1,
      limits: input.limits ?? null,
      models: input.models ?? null,
      created_at: Date.now(),
    };
    await this.repository.insertCredential(row);
    this.register(row, input.api_key);
    return view(row, 'stored');
  }

  async remove(provider: string, name: string): Promise<boolean> {
    if (!this.stored.has(`${provider}/${name}`)) return false;
    await this.repository.deleteCredential(provider, name);
    const list = this.config.providers[provider]?.credentials;
    const index = list?.findIndex((c) => c.name === name) ?? -1;
    if (list && index >= 0) list.splice(index, 1);
    this.stored.delete(`${provider}/${name}`);
    this.onChange();
    return true;
  }

  list(): CredentialView[] {
    return Object.values(this.config.providers).flatMap((p) =>
      p.credentials.map((c) => ({
        provider: p.name,
        name: c.name,
        key_last4: lastFour(c.api_key),
        region: c.region ?? null,
        base_url: c.base_url === undefined ? null : withoutUserinfo(c.base_url),
        weight: c.weight,
        limits: c.limits ?? null,
        models: c.models ?? null,
        ...stored(this.stored.get(`${p.name}/${c.name}`)),
      })),
    );
  }

  /** Finds a credential by name (and provider, when names repeat across providers). */
  find(name: string, provider?: string): { provider: string; credential: CredentialConfig } {
    const matches = Object.values(this.config.providers)
      .filter((p) => provider === undefined || p.name === provider)
      .flatMap((p) => p.credentials.filter((c) => c.name === name).map((credential) => ({ provider: p.name, credential })));
    if (matches.length === 0) throw new GatewayError(404, `No credential named "${name}". List them with GET /admin/credentials.`, { type: 'invalid_request_error', code: 'credential_not_found' });
    if (matches.length > 1) {
      throw new GatewayError(409, `Several providers have a credential named "${name}" (${matches.map((m) => m.provider).join(', ')}): add ?provider=… to the path.`, {
        type: 'invalid_request_error',
        code: 'ambiguous_credential',
      });
    }
    return matches[0]!;
  }

  private register(row: StoredCredential, apiKey: string): void {
    const provider = this.config.providers[row.provider];
    if (!provider) return;
    const credential: CredentialConfig = {
      name: row.name,
      api_key: apiKey,
      weight: row.weight,
      ...(row.region ? { region: row.region } : {}),
      ...(row.base_url ? { base_url: row.base_url } : {}),
      ...(row.limits ? { limits: row.limits } : {}),
      ...(row.models ? { models: row.models } : {}),
    };
    provider.credentials.push(credential);
    this.stored.set(`${row.provider}/${row.name}`, row.created_at);
    this.onChange();
  }
}

function view(row: StoredCredential, source: 'config' | 'stored'): CredentialView {
  return {
    provider: row.provider,
    name: row.name,
    key_last4: row.key_last4,
    region: row.region,
    base_url: row.base_url === null ? null : withoutUserinfo(row.base_url),
    weight: row.weight,
    limits: row.limits,
    models: row.models,
    source,
    created_at: new Date(row.created_at).toISOString(),
  };
}

/** Where a credential came from, and when it was stored (config credentials have no time). */
function stored(createdAt: number | undefined): Pick<CredentialView, 'source' | 'created_at'> {
  return createdAt === undefined ? { source: 'config', created_at: null } : { source: 'stored', created_at: new Date(createdAt).toISOString() };
}
