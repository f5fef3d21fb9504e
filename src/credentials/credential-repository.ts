import type { CredentialLimits, MoonshotRegion } from '../config/types.js';

/** A provider key added at run time, as stored: the key sealed, never in clear. */
export interface StoredCredential {
  provider: string;
  name: string;
  api_key_sealed: string;
  key_last4: string;
  region: MoonshotRegion | null;
  base_url: string | null;
  weight: number;
  limits: CredentialLimits | null;
  models: string[] | null;
  created_at: number;
}

/** Where stored credentials live (the SQL store implements it). */
export interface CredentialRepository {
  insertCredential(credential: StoredCredential): Promise<void>;
  listCredentials(): Promise<StoredCredential[]>;
  deleteCredential(provider: string, name: string): Promise<boolean>;
}

export class InMemoryCredentialRepository implements CredentialRepository {
  private readonly rows = new Map<string, StoredCredential>();

  async insertCredential(credential: StoredCredential): Promise<void> {
    this.rows.set(`${credential.provider}/${credential.name}`, { ...credential });
  }

  async listCredentials(): Promise<StoredCredential[]> {
    return [...this.rows.values()].map((c) => ({ ...c }));
  }

  async deleteCredential(provider: string, name: string): Promise<boolean> {
    return this.rows.delete(`${provider}/${name}`);
  }
}
