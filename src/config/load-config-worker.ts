/**
 * Loads the configuration in a worker thread for `moongate start` (see load-config-in-worker.ts).
 * Runs only from the compiled output.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadConfig } from './load-config.js';
import type { LoadOptions } from './load-config.js';
import { ConfigError } from './problems.js';
import { configWarnings } from './warnings.js';
import type { ConfigWorkerReply } from './load-config-in-worker.js';

const port = parentPort;
if (!port) throw new Error('load-config-worker.ts must run in a worker thread');

let reply: ConfigWorkerReply;
try {
  const config = loadConfig(workerData as LoadOptions);
  reply = { ok: true, config, warnings: configWarnings(config) };
} catch (err) {
  reply = { ok: false, ...(err instanceof ConfigError ? { problems: err.problems } : {}), message: err instanceof Error ? err.message : String(err) };
}
port.postMessage(reply);
