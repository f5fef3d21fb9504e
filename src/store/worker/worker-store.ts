import type { CredentialRepository } from '../../credentials/credential-repository.js';
import type { KeyStore } from '../../keys/key-store.js';
import type { LogRepository, Store } from '../store.js';
import { StoreWorkerHandle } from './store-worker-handle.js';
import { REPOSITORY_METHODS } from './worker-protocol.js';
import type { RepositoryName, StoreThread } from './worker-protocol.js';

const TIMEOUT_MS: Record<StoreThread, number> = { writer: 30_000, reader: 60_000 };

/**
 * The SQLite store run in two worker threads: a writer (migrations, inserts, updates, retention)
 * and a reader (queries). In WAL mode they work on the file at the same time, so a long usage
 * query neither blocks the event loop that serves requests nor delays log writes.
 */
export class WorkerStore implements Store {
  readonly logs: LogRepository;
  readonly keys: KeyStore;
  readonly credentials: CredentialRepository;

  private constructor(
    private readonly threads: Record<StoreThread, StoreWorkerHandle>,
    readonly description: string,
  ) {
    this.logs = this.remote<LogRepository>('logs');
    this.keys = this.remote<KeyStore>('keys');
    this.credentials = this.remote<CredentialRepository>('credentials');
  }

  /** `entry` is the compiled store-worker.js. The writer opens (and migrates) first. */
  static async open(path: string, entry: URL): Promise<WorkerStore> {
    const writer = new StoreWorkerHandle(entry, { path, role: 'writer' });
    await writer.start();
    const reader = new StoreWorkerHandle(entry, { path, role: 'reader' });
    try {
      await reader.start();
    } catch (err) {
      await writer.close();
      throw err;
    }
    return new WorkerStore({ writer, reader }, `sqlite:${path}`);
  }

  async ping(): Promise<void> {
    await Promise.all([this.threads.writer.call('ping', [], TIMEOUT_MS.writer), this.threads.reader.call('ping', [], TIMEOUT_MS.reader)]);
  }

  async close(): Promise<void> {
    await Promise.all([this.threads.reader.close(), this.threads.writer.close()]);
  }

  /** A repository whose every method is a call to the thread REPOSITORY_METHODS names. */
  private remote<T>(repository: RepositoryName): T {
    const methods = REPOSITORY_METHODS[repository] as Record<string, StoreThread>;
    const proxy: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
    for (const [name, thread] of Object.entries(methods)) {
      proxy[name] = (...args) => this.threads[thread].call(`${repository}.${name}`, args, TIMEOUT_MS[thread]);
    }
    return proxy as T;
  }
}
