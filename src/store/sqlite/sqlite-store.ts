import type { SqlClient } from './sql-client.js';
import type { CredentialRepository } from '../../credentials/credential-repository.js';
import type { KeyStore } from '../../keys/key-store.js';
import type { Store } from '../store.js';
import { SqliteCredentialRepository } from './sqlite-credential-repository.js';
import { SqliteKeyRepository } from './sqlite-key-repository.js';
import { openSqliteClient } from './sqlite-client.js';
import type { SqliteRole } from './sqlite-client.js';
import { LATEST_SCHEMA_VERSION } from '../migrations.js';
import { migrateSqlite, schemaVersion } from './sqlite-migrate.js';
import { SqliteLogRepository } from './sqlite-log-repository.js';

/**
 * The embedded SQLite store, on the calling thread. libsql's calls are synchronous underneath,
 * so the gateway runs it in worker threads (worker-store.ts); tests and `moongate logs --store`
 * use it directly.
 */
export class SqliteStore implements Store {
  readonly logs: SqliteLogRepository;
  readonly keys: KeyStore;
  readonly credentials: CredentialRepository;

  private constructor(
    private readonly client: SqlClient,
    readonly description: string,
    private readonly role: SqliteRole,
  ) {
    this.logs = new SqliteLogRepository(client);
    this.keys = new SqliteKeyRepository(client);
    this.credentials = new SqliteCredentialRepository(client);
  }

  /** Opens (and for a writer, creates and migrates) the database at `path`, or `:memory:`. */
  static async open(path: string, role: SqliteRole = 'both'): Promise<SqliteStore> {
    const client = await openSqliteClient(path, role);
    try {
      if (role === 'reader') {
        const version = await schemaVersion(client).catch(() => 0);
        if (version < LATEST_SCHEMA_VERSION) throw new Error(`the database at ${path} has no Moongate schema yet (version ${version})`);
      } else {
        await migrateSqlite(client);
      }
    } catch (err) {
      client.close();
      throw err;
    }
    return new SqliteStore(client, `sqlite:${path}`, role);
  }

  async ping(): Promise<void> {
    this.client.assertFile();
    await this.client.execute('SELECT 1');
  }

  async close(): Promise<void> {
    // Fold the WAL back into the database file: libsql's close leaves that to the last statement's
    // garbage collection, which an exiting thread never runs.
    if (this.role !== 'reader') await this.client.execute('PRAGMA wal_checkpoint(TRUNCATE)').catch(() => undefined);
    this.client.close();
  }
}
