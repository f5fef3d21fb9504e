import type { SqlClient } from './sql-client.js';
import type { CredentialRepository, StoredCredential } from '../../credentials/credential-repository.js';
import type { CredentialLimits, MoonshotRegion } from '../../config/types.js';
import type { SqlValue } from '../sql/sql-value.js';

/** Provider keys added at run time, already sealed by the caller; stored as they come. */
export class SqliteCredentialRepository implements CredentialRepository {
  constructor(private readonly client: SqlClient) {}

  /** Adding a credential under an existing provider/name replaces it. */
  async insertCredential(c: StoredCredential): Promise<void> {
    await this.client.execute({
      sql: `INSERT INTO provider_credentials (provider, name, api_key_sealed, key_last4, region, base_url, weight, limits, models, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (provider, name) DO UPDATE SET
              api_key_sealed = excluded.api_key_sealed, key_last4 = excluded.key_last4, region = excluded.region,
              base_url = excluded.base_url, weight = excluded.weight, limits = excluded.limits, models = excluded.models,
              created_at = excluded.created_at`,
      args: [c.provider, c.name, c.api_key_sealed, c.key_last4, c.region, c.base_url, c.weight, json(c.limits), json(c.models), c.created_at],
    });
  }

  async listCredentials(): Promise<StoredCredential[]> {
    const result = await this.client.execute('SELECT * FROM provider_credentials ORDER BY provider, name');
    return (result.rows as unknown as Record<string, SqlValue>[]).map((r) => ({
      provider: String(r.provider),
      name: String(r.name),
      api_key_sealed: String(r.api_key_sealed),
      key_last4: String(r.key_last4),
      region: r.region === null ? null : (String(r.region) as MoonshotRegion),
      base_url: r.base_url === null ? null : String(r.base_url),
      weight: Number(r.weight),
      limits: r.limits === null ? null : (JSON.parse(String(r.limits)) as CredentialLimits),
      models: r.models === null ? null : (JSON.parse(String(r.models)) as string[]),
      created_at: Number(r.created_at),
    }));
  }

  async deleteCredential(provider: string, name: string): Promise<boolean> {
    const result = await this.client.execute({ sql: 'DELETE FROM provider_credentials WHERE provider = ? AND name = ?', args: [provider, name] });
    return result.rowsAffected > 0;
  }
}

function json(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}
