/**
 * Loads the configuration in a worker thread for `moongate start` (see load-config-in-worker.ts).
 * Runs only from the compiled output.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadConfig } from './load-config.js';
import type { LoadOptions } from './load-config.js';
import { ConfigError } from './problems.js';
import { configWarnings } from './warnings.js';
import { ENVIRONMENT_SOURCE } from './defaults.js';
import { environmentWarnings } from './env-config.js';
import type { ConfigWorkerReply } from './load-config-in-worker.js';

const port = parentPort;
if (!port) throw new Error('load-config-worker.ts must run in a worker thread');

let reply: ConfigWorkerReply;
try {
  const options = workerData as LoadOptions;
  const config = loadConfig(options);
  const warnings = configWarnings(config);
  // Without a file the MOONGATE_ variables are the config, so a misspelt one is worth a word. With
  // one, they are read only through its env: references (checked there), and a user's own names
  // next to ours (MOONGATE_MASTER_KEY_2) would be called typos.
  if (config.source === ENVIRONMENT_SOURCE) warnings.push(...environmentWarnings(options.env ?? process.env));
  reply = { ok: true, config, warnings };
} catch (err) {
  reply = { ok: false, ...(err instanceof ConfigError ? { problems: err.problems } : {}), message: err instanceof Error ? err.message : String(err) };
}
port.postMessage(reply);
