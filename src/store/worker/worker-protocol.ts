import type { CredentialRepository } from '../../credentials/credential-repository.js';
import type { KeyStore } from '../../keys/key-store.js';
import type { SqliteRole } from '../sqlite/sqlite-client.js';
import type { LogRepository } from '../store.js';

/** What a store worker is started with. */
export interface StoreWorkerData {
  path: string;
  role: SqliteRole;
  /** One Int32 the handle sets to 1 when it closes the store: calls still queued are refused at once. */
  closing: SharedArrayBuffer;
}

/** Which thread answers a call: the writer (changes) or the reader (queries). */
export type StoreThread = 'writer' | 'reader';

// Every repository method and its thread. `satisfies` makes these lists exhaustive: a method
// added to a repository interface does not compile until it is routed here. The reader starts
// on its first call, so the small lookups that every gateway makes (stored credentials at
// start-up, a gateway key on its first request) go to the writer: a gateway that never queries
// its logs never starts the reader thread.
export const REPOSITORY_METHODS = {
  logs: { insert: 'writer', get: 'reader', list: 'reader', usage: 'reader', deleteOlderThan: 'writer' } satisfies Record<keyof LogRepository, StoreThread>,
  keys: {
    insertKey: 'writer',
    getKey: 'reader',
    findKeyByHash: 'writer',
    listKeys: 'reader',
    // Returns the key as updated: read on the writer's connection, which has the change.
    updateKey: 'writer',
    addSpend: 'writer',
    addSpendOnce: 'writer',
  } satisfies Record<keyof KeyStore, StoreThread>,
  credentials: { insertCredential: 'writer', listCredentials: 'writer', deleteCredential: 'writer' } satisfies Record<keyof CredentialRepository, StoreThread>,
} as const;

export type RepositoryName = keyof typeof REPOSITORY_METHODS;

/**
 * `logs.insert` travels as each record's column values (`entryValues`), not as the record objects:
 * copied to the thread and back (v8.serialize and deserialize, batches of 500), a record took
 * 5.5 µs as an object and 1.2 µs as values. Turning it into values (~2 µs) was the writer
 * thread's work before; it is the same work here.
 */
export const INSERT_AS_VALUES = 'logs.insert';

/** `ping`, or `repository.method` (`logs.insert`). */
export type StoreMethod = string;

export interface StoreCall {
  id: number;
  method: StoreMethod;
  args: unknown[];
}

export type StoreReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: { message: string; code?: string } };

/** Asks the worker to close its connection and end. */
export interface StoreWorkerClose {
  close: true;
}

/** The worker's first message: open (and migrated), or why not. */
/** `code`: the SQLite (or file system) error code, so that the caller can tell an outage from a refusal. */
export type StoreWorkerStatus = { ready: true } | { ready: false; error: string; code?: string };

/** Splits `logs.insert` into a known repository and method, or undefined. */
export function parseStoreMethod(method: unknown): { repository: RepositoryName; name: string } | undefined {
  if (typeof method !== 'string') return undefined;
  const [repository, name, ...rest] = method.split('.');
  if (rest.length > 0 || repository === undefined || name === undefined || !(repository in REPOSITORY_METHODS)) return undefined;
  const methods = REPOSITORY_METHODS[repository as RepositoryName] as Record<string, StoreThread>;
  return Object.hasOwn(methods, name) ? { repository: repository as RepositoryName, name } : undefined;
}
