import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Store } from './store.js';
import { MEMORY, parseStoreUrl } from './store-url.js';
import { WorkerStore } from './worker/worker-store.js';

export interface OpenStoreOptions {
  /**
   * `worker` runs SQLite in worker threads (what the gateway wants), `main` on the calling
   * thread; `auto` (default) uses workers whenever the compiled worker script exists — it does
   * not when running from TypeScript sources (unit tests).
   */
  thread?: 'auto' | 'worker' | 'main';
  /** The compiled store-worker.js; defaults to the one beside this module. */
  workerEntry?: URL;
  cwd?: string;
}

const DEFAULT_WORKER_ENTRY = new URL('./worker/store-worker.js', import.meta.url);

/** Opens the store named by the config's `store:` value, creating and migrating it if needed. */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  const location = parseStoreUrl(url, options.cwd);
  if (location.kind === 'postgres') {
    throw new Error('store: PostgreSQL is not supported by this version yet; use sqlite:PATH (the default is sqlite:./.moongate/moongate.db)');
  }
  const entry = options.workerEntry ?? DEFAULT_WORKER_ENTRY;
  const thread = options.thread ?? 'auto';
  // An in-memory database exists per connection: the two worker threads would see two databases.
  const useWorker = location.path !== MEMORY && (thread === 'worker' || (thread === 'auto' && existsSync(fileURLToPath(entry))));
  if (useWorker) return WorkerStore.open(location.path, entry);
  // Loaded only here: with worker threads the main thread never needs the SQLite driver.
  const { SqliteStore } = await import('./sqlite/sqlite-store.js');
  return SqliteStore.open(location.path);
}
