/**
 * A worker thread that owns one SQLite connection and answers store calls from the main thread,
 * so that writes and heavy queries (usage over millions of rows) never block the event loop that
 * serves requests. Started by worker-store.ts; runs only from the compiled output.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteStore } from '../sqlite/sqlite-store.js';
import type { SqlArg } from '../sql/sql-value.js';
import { INSERT_AS_VALUES, parseStoreMethod } from './worker-protocol.js';
import type { StoreCall, StoreReply, StoreWorkerClose, StoreWorkerData, StoreWorkerStatus } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('store-worker.ts must run in a worker thread');

const data = workerData as StoreWorkerData;
const closing = new Int32Array(data.closing);
let store: SqliteStore;
try {
  store = await SqliteStore.open(data.path, data.role);
  port.postMessage({ ready: true } satisfies StoreWorkerStatus);
} catch (err) {
  const code = err && typeof err === 'object' && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
  port.postMessage({ ready: false, error: err instanceof Error ? err.message : String(err), ...(code ? { code } : {}) } satisfies StoreWorkerStatus);
  process.exit(1);
}

port.on('message', (message: StoreCall | StoreWorkerClose) => {
  if ('close' in message) {
    // Closing the connection cleanly checkpoints the WAL; then the thread ends.
    void store.close().finally(() => process.exit(0));
    return;
  }
  // Closing: the calls queued before the close message are refused rather than each waiting out
  // a lock (busy_timeout), so that the thread reaches the close soon and is never terminated in
  // the middle of a native call (the driver aborts the process if it is).
  if (Atomics.load(closing, 0) === 1) {
    port.postMessage({ id: message.id, ok: false, error: { message: 'the store is closing' } } satisfies StoreReply);
    return;
  }
  void answer(message).then((reply) => port.postMessage(reply));
});

async function answer(call: StoreCall): Promise<StoreReply> {
  try {
    return { id: call.id, ok: true, value: await invoke(call) };
  } catch (err) {
    const code = err && typeof err === 'object' && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
    return { id: call.id, ok: false, error: { message: err instanceof Error ? err.message : String(err), ...(code ? { code } : {}) } };
  }
}

function invoke(call: StoreCall): Promise<unknown> {
  if (call.method === 'ping') return store.ping();
  // Log records come as their column values (see INSERT_AS_VALUES).
  if (call.method === INSERT_AS_VALUES) return store.logs.insertValues(call.args[0] as SqlArg[][]);
  const target = parseStoreMethod(call.method);
  if (!target) throw new Error(`unknown store method ${String(call.method)}`);
  const repository = store[target.repository] as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  return repository[target.name]!.apply(repository, call.args);
}
