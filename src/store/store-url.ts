import { join, resolve } from 'node:path';

/** libsql's name for an in-memory database (here, so knowing it does not load the driver). */
export const MEMORY = ':memory:';

/** Where the store lives, from the config's `store:` value. */
export type StoreLocation = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

/** `sqlite:PATH` (relative to the working directory, or `sqlite::memory:`) or a postgres:// URL. */
export function parseStoreUrl(url: string, cwd = process.cwd()): StoreLocation {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path === '') throw new Error('store: "sqlite:" needs a path, e.g. sqlite:./.moongate/moongate.db');
    return { kind: 'sqlite', path: path === MEMORY ? MEMORY : resolve(cwd, path) };
  }
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url };
  throw new Error('store: must be "sqlite:PATH" or a postgres:// URL');
}

/**
 * The spool file (records waiting for the store) sits next to the database file, so that it
 * lives on the same disk with the same permissions; without a file (memory, a server database)
 * it goes to `./.moongate/`.
 */
export function defaultSpoolPath(location: StoreLocation, cwd = process.cwd()): string {
  if (location.kind === 'sqlite' && location.path !== MEMORY) return `${location.path}.spool.jsonl`;
  return join(resolve(cwd, '.moongate'), 'logs.spool.jsonl');
}
