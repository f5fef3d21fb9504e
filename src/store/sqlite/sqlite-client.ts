import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
// The local-file client only: the package's main entry also loads its HTTP and WebSocket clients
// (~9 MB more per store thread, measured).
import { createClient } from '@libsql/client/sqlite3';
import type { Client } from '@libsql/client';
import { MEMORY } from '../store-url.js';

/** A reader only ever reads; the writer (or a store doing both) also migrates and writes. */
export type SqliteRole = 'writer' | 'reader' | 'both';

export { MEMORY };

/**
 * Opens the database file (creating its folder on first start) with the settings every
 * connection needs: WAL so that readers never wait for the writer, NORMAL sync (durable across
 * a process crash; a power cut may lose the last transactions), and a busy timeout so that a
 * second process on the same file (`moongate logs --store`, a second replica) waits instead of
 * failing.
 */
export async function openSqliteClient(path: string, role: SqliteRole): Promise<Client> {
  const memory = path === MEMORY;
  if (!memory && role !== 'reader') mkdirSync(dirname(path), { recursive: true });
  // One connection: calls into libsql are synchronous, so a pool would never hold two at once,
  // and per-connection pragmas must apply to the connection that is used.
  const client = createClient({ url: memory ? MEMORY : pathToFileURL(path).href, intMode: 'number', concurrency: 1 });
  try {
    await client.execute('PRAGMA busy_timeout = 5000');
    if (!memory && role !== 'reader') await client.execute('PRAGMA journal_mode = WAL');
    await client.execute('PRAGMA synchronous = NORMAL');
    if (role === 'reader') await client.execute('PRAGMA query_only = 1');
  } catch (err) {
    client.close();
    throw err;
  }
  return client;
}
