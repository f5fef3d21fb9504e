import type { SqlClient } from './sql-client.js';
import type { KeyPatch, KeyStore } from '../../keys/key-store.js';
import type { BudgetPeriod, VirtualKey } from '../../keys/virtual-key.js';
import type { SqlValue } from '../sql/sql-value.js';

const COLUMNS = [
  'id',
  'name',
  'key_hash',
  'key_last4',
  'models',
  'budget_usd',
  'budget_period',
  'rpm',
  'tpm',
  'expires_at',
  'customer_identifier',
  'metadata',
  'created_at',
  'revoked_at',
  'spend_usd',
  'spend_period_start',
  'spend_total_usd',
] as const;

/** The fields a patch may change, and how each is written. */
const PATCHABLE: Record<keyof KeyPatch, (v: unknown) => SqlValue> = {
  name: (v) => v as string,
  models: json,
  budget_usd: (v) => v as number | null,
  budget_period: (v) => v as string,
  rpm: (v) => v as number | null,
  tpm: (v) => v as number | null,
  expires_at: (v) => v as number | null,
  customer_identifier: (v) => v as string | null,
  metadata: json,
  revoked_at: (v) => v as number | null,
  spend_usd: (v) => v as number,
  spend_period_start: (v) => v as number,
};

/** Gateway keys in SQL (portable statements; `?` placeholders). */
const DAY_MS = 86_400_000;
/** How long the name of an added batch of kept charges is remembered (see addSpendOnce). */
const BATCH_NAMES_KEPT_MS = 90 * DAY_MS;

/**
 * A charge made in the budget period starting at ?1 (?2 USD to key ?3), in one statement, so
 * concurrent charges never lose each other (see addSpend).
 */
const FITS_PERIOD = `(CASE budget_period WHEN 'total' THEN ?1 = 0 WHEN 'day' THEN ?1 % ${DAY_MS} = 0
                     ELSE ?1 = CAST(strftime('%s', ?1 / 1000, 'unixepoch', 'start of month') AS INTEGER) * 1000 END)`;
const ADD_SPEND = `UPDATE virtual_keys SET
              spend_usd = CASE WHEN NOT ${FITS_PERIOD} THEN spend_usd + ?2 WHEN ?1 > spend_period_start THEN ?2
                               WHEN ?1 = spend_period_start THEN spend_usd + ?2 ELSE spend_usd END,
              spend_period_start = CASE WHEN ${FITS_PERIOD} AND ?1 > spend_period_start THEN ?1 ELSE spend_period_start END,
              spend_total_usd = spend_total_usd + ?2
            WHERE id = ?3`;

export class SqliteKeyRepository implements KeyStore {
  constructor(private readonly client: SqlClient) {}

  async insertKey(k: VirtualKey): Promise<void> {
    await this.client.execute({
      sql: `INSERT INTO virtual_keys (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`,
      args: [k.id, k.name, k.key_hash, k.key_last4, json(k.models), k.budget_usd, k.budget_period, k.rpm, k.tpm, k.expires_at, k.customer_identifier, json(k.metadata), k.created_at, k.revoked_at, k.spend_usd, k.spend_period_start, k.spend_total_usd],
    });
  }

  async getKey(id: string): Promise<VirtualKey | undefined> {
    return this.one('SELECT * FROM virtual_keys WHERE id = ?', [id]);
  }

  async findKeyByHash(hash: string): Promise<VirtualKey | undefined> {
    return this.one('SELECT * FROM virtual_keys WHERE key_hash = ?', [hash]);
  }

  async listKeys(): Promise<VirtualKey[]> {
    const result = await this.client.execute('SELECT * FROM virtual_keys ORDER BY created_at DESC, id DESC');
    return (result.rows as unknown as Record<string, SqlValue>[]).map(keyFromRow);
  }

  async updateKey(id: string, patch: KeyPatch): Promise<VirtualKey | undefined> {
    const fields = (Object.keys(patch) as (keyof KeyPatch)[]).filter((f) => f in PATCHABLE && patch[f] !== undefined);
    if (fields.length > 0) {
      await this.client.execute({
        sql: `UPDATE virtual_keys SET ${fields.map((f) => `${f} = ?`).join(', ')} WHERE id = ?`,
        args: [...fields.map((f) => PATCHABLE[f](patch[f])), id],
      });
    }
    return this.getKey(id);
  }

  /**
   * A charge made in the budget period starting at `periodStart`, in one statement, so concurrent
   * charges never lose each other: a newer period starts the period's spend afresh; an older one (a
   * charge kept by a shutdown and written days later) counts only in the total. A start that is
   * not one of the key's current kind of period (see chargeFitsPeriod) was reckoned under terms a
   * PATCH has just changed: it is a charge made now, counted in the current period's spend, and it
   * moves no period start.
   */
  async addSpend(id: string, usd: number, periodStart: number): Promise<void> {
    await this.client.execute({ sql: ADD_SPEND, args: [periodStart, usd, id] });
  }

  async addSpendOnce(batch: string, charges: readonly { id: string; usd: number; periodStart: number }[]): Promise<boolean> {
    const now = Date.now();
    const tx = await this.client.transaction();
    try {
      const added = await tx.execute({ sql: 'INSERT INTO key_charge_batches (id, applied_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING', args: [batch, now] });
      if (added.rowsAffected === 0) return false;
      for (const c of charges) await tx.execute({ sql: ADD_SPEND, args: [c.periodStart, c.usd, c.id] });
      // A batch's name is needed only while its file may still be read: a start deletes it after this.
      await tx.execute({ sql: 'DELETE FROM key_charge_batches WHERE applied_at < ?', args: [now - BATCH_NAMES_KEPT_MS] });
      await tx.commit();
      return true;
    } finally {
      tx.close();
    }
  }

  private async one(sql: string, args: SqlValue[]): Promise<VirtualKey | undefined> {
    const row = (await this.client.execute({ sql, args })).rows[0];
    return row ? keyFromRow(row as unknown as Record<string, SqlValue>) : undefined;
  }
}

function keyFromRow(r: Record<string, SqlValue>): VirtualKey {
  return {
    id: String(r.id),
    name: String(r.name),
    key_hash: String(r.key_hash),
    key_last4: String(r.key_last4),
    models: parse(r.models) as string[] | null,
    budget_usd: num(r.budget_usd),
    budget_period: String(r.budget_period) as BudgetPeriod,
    rpm: num(r.rpm),
    tpm: num(r.tpm),
    expires_at: num(r.expires_at),
    customer_identifier: r.customer_identifier === null ? null : String(r.customer_identifier),
    metadata: parse(r.metadata) as Record<string, unknown> | null,
    created_at: Number(r.created_at),
    revoked_at: num(r.revoked_at),
    spend_usd: Number(r.spend_usd),
    spend_period_start: Number(r.spend_period_start),
    spend_total_usd: Number(r.spend_total_usd),
  };
}

function json(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

function parse(value: SqlValue | undefined): unknown {
  return value === null || value === undefined ? null : (JSON.parse(String(value)) as unknown);
}

function num(value: SqlValue | undefined): number | null {
  return value === null || value === undefined ? null : Number(value);
}
