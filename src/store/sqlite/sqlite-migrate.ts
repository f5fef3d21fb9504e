import type { SqlClient } from './sql-client.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, MIGRATIONS_TABLE } from '../migrations.js';

/**
 * Brings the schema up to date. Each migration runs in its own write transaction that re-reads
 * the version first, so two processes starting on one file at once apply it only once.
 */
export async function migrateSqlite(client: SqlClient): Promise<number> {
  await client.execute(MIGRATIONS_TABLE);
  let version = await schemaVersion(client);
  if (version > LATEST_SCHEMA_VERSION) {
    throw new Error(
      `the database was created by a newer Moongate (schema version ${version}; this one knows up to ${LATEST_SCHEMA_VERSION}). Upgrade Moongate or use another store.`,
    );
  }
  for (const migration of MIGRATIONS) {
    if (migration.version <= version) continue;
    const tx = await client.transaction();
    try {
      const current = Number((await tx.execute('SELECT COALESCE(MAX(version), 0) AS v FROM moongate_migrations')).rows[0]?.v ?? 0);
      if (current < migration.version) {
        for (const statement of migration.statements) await tx.execute(statement);
        await tx.execute({
          sql: 'INSERT INTO moongate_migrations (version, name, applied_at) VALUES (?, ?, ?)',
          args: [migration.version, migration.name, Date.now()],
        });
      }
      await tx.commit();
    } finally {
      tx.close();
    }
    version = migration.version;
  }
  return version;
}

export async function schemaVersion(client: SqlClient): Promise<number> {
  const result = await client.execute('SELECT COALESCE(MAX(version), 0) AS v FROM moongate_migrations');
  return Number(result.rows[0]?.v ?? 0);
}
