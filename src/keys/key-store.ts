import { chargeFitsPeriod } from './virtual-key.js';
import type { VirtualKey } from './virtual-key.js';

/** Fields an update may set; the spend fields only with a change of budget period (see VirtualKeys.update). */
export type KeyPatch = Partial<
  Pick<
    VirtualKey,
    'name' | 'models' | 'budget_usd' | 'budget_period' | 'rpm' | 'tpm' | 'expires_at' | 'customer_identifier' | 'metadata' | 'revoked_at' | 'spend_usd' | 'spend_period_start'
  >
>;

/** Where virtual keys live (the SQL store implements it; tests may use the in-memory one). */
export interface KeyStore {
  insertKey(key: VirtualKey): Promise<void>;
  getKey(id: string): Promise<VirtualKey | undefined>;
  findKeyByHash(hash: string): Promise<VirtualKey | undefined>;
  listKeys(): Promise<VirtualKey[]>;
  updateKey(id: string, patch: KeyPatch): Promise<VirtualKey | undefined>;
  /**
   * Adds spend to a key, starting a new budget period first if `periodStart` is newer than the
   * stored one. Must be atomic with respect to other charges.
   */
  addSpend(id: string, usd: number, periodStart: number): Promise<void>;
  /**
   * Adds a batch of charges (a file of charges kept by a shutdown) unless a batch of that name was
   * added already: all of them and the name in one transaction, so that two processes replaying
   * one file, or a start killed before deleting it, never charge it twice. False when it was.
   */
  addSpendOnce(batch: string, charges: readonly { id: string; usd: number; periodStart: number }[]): Promise<boolean>;
}

/** A KeyStore in memory, for tests and for running without a database. */
export class InMemoryKeyStore implements KeyStore {
  private readonly keys = new Map<string, VirtualKey>();
  private readonly batches = new Set<string>();

  async insertKey(key: VirtualKey): Promise<void> {
    this.keys.set(key.id, { ...key });
  }

  async getKey(id: string): Promise<VirtualKey | undefined> {
    const k = this.keys.get(id);
    return k && { ...k };
  }

  async findKeyByHash(hash: string): Promise<VirtualKey | undefined> {
    for (const k of this.keys.values()) if (k.key_hash === hash) return { ...k };
    return undefined;
  }

  async listKeys(): Promise<VirtualKey[]> {
    return [...this.keys.values()].map((k) => ({ ...k })).sort((a, b) => b.created_at - a.created_at);
  }

  async updateKey(id: string, patch: KeyPatch): Promise<VirtualKey | undefined> {
    const k = this.keys.get(id);
    if (!k) return undefined;
    Object.assign(k, patch);
    return { ...k };
  }

  async addSpendOnce(batch: string, charges: readonly { id: string; usd: number; periodStart: number }[]): Promise<boolean> {
    if (this.batches.has(batch)) return false;
    this.batches.add(batch);
    for (const c of charges) await this.addSpend(c.id, c.usd, c.periodStart);
    return true;
  }

  async addSpend(id: string, usd: number, periodStart: number): Promise<void> {
    const k = this.keys.get(id);
    if (!k) return;
    // Reckoned under terms changed since: a charge made now, in the current period (as the SQLite store does).
    if (!chargeFitsPeriod(k.budget_period, periodStart)) {
      k.spend_usd += usd;
      k.spend_total_usd += usd;
      return;
    }
    if (periodStart > k.spend_period_start) {
      k.spend_period_start = periodStart;
      k.spend_usd = 0;
    }
    // A charge from an older period counts in the total only (as the SQLite store does).
    if (periodStart === k.spend_period_start) k.spend_usd += usd;
    k.spend_total_usd += usd;
  }
}
