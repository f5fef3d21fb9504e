import { Worker } from 'node:worker_threads';
import type { StoreCall, StoreMethod, StoreReply, StoreWorkerClose, StoreWorkerData, StoreWorkerStatus } from './worker-protocol.js';

/** How long close() waits for the thread before terminating it. */
const TERMINATE_AFTER_MS = 15_000;

interface PendingCall {
  resolve(value: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * One store worker thread and the calls waiting on it. A worker that dies is started again on
 * the next call (the log writer's retries and a readiness probe are such calls), so the store
 * "comes back" on its own. The thread keeps the process alive only while calls are pending: an
 * idle store never holds up exit, and a shutdown that awaits a final write is never cut short.
 */
export class StoreWorkerHandle {
  private worker: Worker | undefined;
  private starting: Promise<Worker> | undefined;
  private readonly pending = new Map<number, PendingCall>();
  private nextId = 1;
  private closed = false;
  /** Shared with the thread: set on close, so that it refuses the calls still queued. */
  private readonly closing = new Int32Array(new SharedArrayBuffer(4));

  constructor(
    private readonly entry: URL,
    private readonly data: Omit<StoreWorkerData, 'closing'>,
  ) {}

  /** True once the thread is up or starting (a handle starts its thread on the first call). */
  get running(): boolean {
    return this.worker !== undefined || this.starting !== undefined;
  }

  /** performance.now() of the thread's last answer (to any call). */
  private lastAnswerAt = performance.now();

  /** True while calls sent to the thread have not been answered yet. */
  get busy(): boolean {
    return this.pending.size > 0;
  }

  /** How long ago the thread last answered a call. */
  get silentForMs(): number {
    return performance.now() - this.lastAnswerAt;
  }

  /** Starts the thread and waits until its store is open. */
  async start(): Promise<void> {
    await this.ensureWorker();
  }

  async call(method: StoreMethod, args: unknown[], timeoutMs: number): Promise<unknown> {
    if (this.closed) throw new Error('the store is closed');
    const worker = await this.ensureWorker();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.settle(id);
        reject(new Error(`the store did not answer ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
      this.pending.set(id, { resolve, reject, timer });
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ id, method, args } satisfies StoreCall);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker ?? (await this.starting?.catch(() => undefined));
    if (!worker) return;
    worker.ref();
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    Atomics.store(this.closing, 0, 1);
    worker.postMessage({ close: true } satisfies StoreWorkerClose);
    // The call under way ends within the lock wait (busy_timeout, 5 s) or two (a write, then the
    // closing checkpoint). Only a thread stuck past that, in a very long query, is terminated.
    const timer = setTimeout(() => void worker.terminate(), TERMINATE_AFTER_MS);
    await exited;
    clearTimeout(timer);
  }

  private ensureWorker(): Promise<Worker> {
    if (this.worker) return Promise.resolve(this.worker);
    this.starting ??= this.spawn().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private spawn(): Promise<Worker> {
    return new Promise((resolve, reject) => {
      // A small young generation: the thread's garbage is short-lived batches, and V8's default
      // (as large as the serving thread's) cost 20-25 MB of peak RSS under load, measured.
      const workerData: StoreWorkerData = { ...this.data, closing: this.closing.buffer as SharedArrayBuffer };
      const worker = new Worker(this.entry, { workerData, resourceLimits: { maxYoungGenerationSizeMb: 8 } });
      let ready = false;
      worker.once('message', (status: StoreWorkerStatus) => {
        if (status.ready) {
          ready = true;
          this.worker = worker;
          worker.on('message', (reply: StoreReply) => this.onReply(reply));
          if (this.pending.size === 0) worker.unref();
          resolve(worker);
        } else {
          reject(Object.assign(new Error(status.error), status.code ? { code: status.code } : {}));
        }
      });
      worker.on('error', (err) => {
        if (!ready) reject(err);
      });
      worker.once('exit', (code) => {
        if (this.worker === worker) this.worker = undefined;
        if (!ready) reject(new Error(`the store worker exited (code ${code}) before it was ready`));
        this.failPending(new Error(`the store worker stopped (exit code ${code})`));
      });
    });
  }

  private onReply(reply: StoreReply): void {
    this.lastAnswerAt = performance.now();
    const call = this.settle(reply.id);
    if (!call) return; // timed out already
    if (reply.ok) call.resolve(reply.value);
    else call.reject(Object.assign(new Error(reply.error.message), reply.error.code ? { code: reply.error.code } : {}));
  }

  private settle(id: number): PendingCall | undefined {
    const call = this.pending.get(id);
    if (!call) return undefined;
    clearTimeout(call.timer);
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker?.unref();
    return call;
  }

  private failPending(err: Error): void {
    for (const [id, call] of [...this.pending]) {
      this.settle(id);
      call.reject(err);
    }
  }
}
