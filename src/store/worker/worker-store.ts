import type { CredentialRepository } from '../../credentials/credential-repository.js';
import type { KeyStore } from '../../keys/key-store.js';
import type { VirtualKey } from '../../keys/virtual-key.js';
import type { LogRepository, Store } from '../store.js';
import { keepCharges, replayCharges } from './charges-file.js';
import { SpendCoalescer } from './spend-coalescer.js';
import { StoreWorkerHandle } from './store-worker-handle.js';
import { INSERT_AS_VALUES, REPOSITORY_METHODS } from './worker-protocol.js';
import { entryValues } from '../sql/log-columns.js';
import type { RepositoryName, StoreThread } from './worker-protocol.js';

const TIMEOUT_MS: Record<StoreThread, number> = { writer: 30_000, reader: 60_000 };
/** How long a readiness ping waits behind a busy writer before the store counts as answering. */
const BUSY_PING_MS = 500;
/** A busy writer counts as working only if it answered something this recently: a lock wait (busy_timeout, 5 s) and a write. */
const BUSY_ANSWERED_WITHIN_MS = 7_000;

/** Calls are pending on the writer, and it answered one lately: it is working through them (see pingWriter). */
export function busyButAnswering(busy: boolean, silentForMs: number): boolean {
  return busy && silentForMs < BUSY_ANSWERED_WITHIN_MS;
}

/**
 * How long charges to keys are gathered before one UPDATE per key goes to the writer thread.
 * Sent as they came (next turn of the event loop), 720 streams made 507 calls, each a message
 * that wakes the writer: ~5 % of the serving thread's time, measured. The key's cached copy is
 * charged at once (VirtualKeys.settle), so this process's budget checks never lag, and any read
 * of a key from the store sees the charges made before it (below).
 */
const SPEND_FLUSH_MS = 200;

/**
 * The SQLite store run in two worker threads: a writer (migrations, inserts, updates, retention)
 * and a reader (queries). In WAL mode they work on the file at the same time, so a long usage
 * query neither blocks the event loop that serves requests nor delays log writes. The reader
 * starts on the first query: most gateways never query their logs, and each thread is a V8
 * isolate with its own copy of the SQLite driver (~20 MB, ~0.3 s of CPU to start).
 */
export class WorkerStore implements Store {
  readonly logs: LogRepository;
  readonly keys: KeyStore;
  readonly credentials: CredentialRepository;
  private readonly spend: SpendCoalescer;

  private constructor(
    private readonly threads: Record<StoreThread, StoreWorkerHandle>,
    readonly description: string,
    chargesFile: string,
  ) {
    const logs = this.remote<LogRepository>('logs');
    this.logs = { ...logs, insert: (entries) => this.threads.writer.call(INSERT_AS_VALUES, [entries.map(entryValues)], TIMEOUT_MS.writer).then(() => undefined) };
    this.credentials = this.remote<CredentialRepository>('credentials');
    const keys = this.remote<KeyStore>('keys');
    // One charge per priced request: merged, so the writer is not sent one message per request.
    this.spend = new SpendCoalescer((id, usd, periodStart) => keys.addSpend(id, usd, periodStart), SPEND_FLUSH_MS, {
      keepForLater: (charges) => keepCharges(chargesFile, charges),
    });
    // A key read back carries every charge made before the read. The writer answers in order, so
    // a read routed to it only needs the charges sent first; a read on the reader waits for them.
    const afterCharges = <A extends unknown[], R>(method: keyof KeyStore, read: (...args: A) => Promise<R>) =>
      REPOSITORY_METHODS.keys[method] === 'writer'
        ? (...args: A): Promise<R> => (void this.spend.sendNow(), read(...args))
        : async (...args: A): Promise<R> => (await this.spend.sendNow(), read(...args));
    this.keys = {
      ...keys,
      addSpend: (id, usd, periodStart) => this.spend.add(id, usd, periodStart),
      findKeyByHash: (hash) => this.findKeyByHash(hash, afterCharges('findKeyByHash', keys.findKeyByHash)),
      updateKey: afterCharges('updateKey', keys.updateKey),
      getKey: afterCharges('getKey', keys.getKey),
      listKeys: afterCharges('listKeys', keys.listKeys),
    };
  }

  /**
   * `entry` is the compiled store-worker.js. The writer opens (and migrates) now; the reader, which
   * needs the schema in place, on the first call routed to it.
   */
  static async open(path: string, entry: URL): Promise<WorkerStore> {
    const writer = new StoreWorkerHandle(entry, { path, role: 'writer' });
    await writer.start();
    const reader = new StoreWorkerHandle(entry, { path, role: 'reader' });
    const store = new WorkerStore({ writer, reader }, `sqlite:${path}`, `${path}.charges.jsonl`);
    await replayCharges(`${path}.charges.jsonl`, (batch, charges) => writer.call('keys.addSpendOnce', [batch, charges], TIMEOUT_MS.writer) as Promise<boolean>);
    return store;
  }

  /**
   * A key's lookup by its token (a key new to this process, or its refresh) goes to the writer
   * while the writer has nothing pending: a gateway that never queries its logs never starts the
   * reader. A writer with calls pending may be waiting out another process's lock (busy_timeout,
   * 5 s, batch after batch), and a key first seen then waited behind all of it: the reader, which
   * WAL never makes wait for the writer, answers instead. Its answer misses only this process's
   * charges not yet written; a key that has some waits for them (as any read on the reader does)
   * and is read again.
   */
  private async findKeyByHash(hash: string, onWriter: (hash: string) => Promise<VirtualKey | undefined>): Promise<VirtualKey | undefined> {
    if (!this.threads.writer.busy) return onWriter(hash);
    const read = () => this.threads.reader.call('keys.findKeyByHash', [hash], TIMEOUT_MS.reader) as Promise<VirtualKey | undefined>;
    const key = await read();
    if (!key || !this.spend.owes(key.id)) return key;
    await this.spend.sendNow();
    return read();
  }

  /** A reader not started yet is not started by a readiness probe: it opens on demand. */
  async ping(): Promise<void> {
    const reader = this.threads.reader.running ? this.threads.reader.call('ping', [], TIMEOUT_MS.reader) : undefined;
    await Promise.all([this.pingWriter(), reader]);
  }

  /**
   * The writer answers calls in order: a ping sent while it waits out another process's lock (up
   * to busy_timeout, 5 s, a batch after batch) answered only after it, and readiness probes (1 s
   * in Kubernetes by default) failed for as long as the lock was held, though records were safely
   * spooled. A writer busy with earlier calls that has answered one lately (within a lock wait and
   * a write: BUSY_ANSWERED_WITHIN_MS) is working: after a short wait it counts as answering. Under
   * steady traffic there is always a call pending, so a writer that has hung would otherwise pass
   * for busy for good; one silent for longer is asked, and waited for like any other.
   */
  private pingWriter(): Promise<unknown> {
    const writer = this.threads.writer;
    const busy = busyButAnswering(writer.busy, writer.silentForMs);
    const ping = writer.call('ping', [], TIMEOUT_MS.writer);
    if (!busy) return ping;
    ping.catch(() => undefined); // its answer may come after the probe has been answered
    return Promise.race([ping, new Promise((resolve) => setTimeout(resolve, BUSY_PING_MS).unref())]);
  }

  async close(): Promise<void> {
    // Charges still being merged are written before the writer goes.
    await this.spend.close();
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
