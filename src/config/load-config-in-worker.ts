import { Worker } from 'node:worker_threads';
import type { LoadOptions } from './load-config.js';
import { ConfigError } from './problems.js';
import type { GatewayConfig } from './types.js';

export type ConfigWorkerReply =
  | { ok: true; config: GatewayConfig; warnings: string[] }
  | { ok: false; /** Set for a ConfigError (the configuration is wrong): its problems. */ problems?: string[]; message: string };

const WORKER_ENTRY = new URL('./load-config-worker.js', import.meta.url);

/**
 * `loadConfig` run in a short-lived worker thread, for the gateway process: the YAML parser and
 * the zod schemas (~10 MB, measured) are loaded there and go away with the thread, instead of
 * staying in the memory of a process that never needs them again. The configuration is plain
 * data, so it crosses over as it is. Errors come back as they would from `loadConfig`
 * (`ConfigError` for an invalid configuration).
 */
export function loadConfigInWorker(options: LoadOptions): Promise<{ config: GatewayConfig; warnings: string[] }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_ENTRY, { workerData: options });
    let answered = false;
    worker.once('message', (reply: ConfigWorkerReply) => {
      answered = true;
      if (reply.ok) resolve({ config: reply.config, warnings: reply.warnings });
      else reject(reply.problems ? new ConfigError(reply.problems) : new Error(reply.message));
    });
    worker.once('error', (err) => {
      answered = true;
      reject(err);
    });
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`the configuration loader stopped (exit code ${code}) without an answer`));
    });
  });
}
