import { loadConfigInWorker } from '../config/load-config-in-worker.js';
import { ConfigError } from '../config/problems.js';
import type { GatewayConfig } from '../config/types.js';
import type { GatewayWithStore } from '../gateway.js';
import { isLoopbackAddress } from '../server/auth.js';
import { internalErrors } from '../server/internal-error-report.js';
import { listenErrorMessage } from './listen-error.js';
import { onFatalError } from './fatal-error.js';
import { onShutdownSignal } from './shutdown.js';
import { mentionsStore } from './store-error.js';

export interface StartOptions {
  config?: string;
  port?: number;
  host?: string;
}

export async function runStart(options: StartOptions): Promise<void> {
  const startedAt = performance.now();
  // The configuration is read in a worker thread while this one loads the gateway's modules.
  const loading = loadConfigInWorker({ file: options.config, overrides: { port: options.port, host: options.host } });
  const gatewayModule = import('../gateway.js');
  let config: GatewayConfig;
  let warnings: string[];
  try {
    ({ config, warnings } = await loading);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`moongate: the configuration is not valid, nothing was started:\n${err.message}`);
      process.exit(1);
    }
    throw err;
  }

  for (const warning of warnings) console.warn(`moongate: warning: ${warning}`);
  if (config.master_key === undefined) {
    console.warn(openModeWarning(config.server.host));
  }

  let gateway: GatewayWithStore;
  try {
    gateway = await (await gatewayModule).createGatewayWithStore(config);
  } catch (err) {
    // A store that cannot be opened (bad path, permissions, a newer schema), or stored credentials
    // that cannot be unsealed, stop start-up.
    const message = err instanceof Error ? err.message : String(err);
    console.error(`moongate: nothing was started: ${message}${mentionsStore(message, config.store) ? '' : ` (store: ${config.store})`}`);
    process.exit(1);
  }
  let url: string;
  try {
    url = await gateway.listen();
  } catch (err) {
    const message = listenErrorMessage(err, config.server.host, config.server.port, 'set server.port or --port');
    if (message === undefined) throw err;
    console.error(`moongate: ${message}`);
    await gateway.close();
    process.exit(1);
  }
  const providers = Object.values(config.providers)
    .map((p) => `${p.name} (${p.credentials.length} credential${p.credentials.length === 1 ? '' : 's'})`)
    .join(', ');
  console.log(`moongate: listening on ${url} — config: ${config.source}; providers: ${providers || 'none'}`);
  const { store, spoolPath, retentionDays } = gateway.observability;
  console.log(
    `moongate: logs: ${store.description} (bodies: ${config.logging.bodies}, retention: ${retentionDays === null ? 'forever' : `${retentionDays} days`}; spool: ${spoolPath})`,
  );
  console.log(`moongate: ready in ${(performance.now() - startedAt).toFixed(0)} ms. ${tryHint(url, config.master_key !== undefined)}`);

  // A signal and an internal error may both come: the gateway is closed once, by whichever is first.
  let closing: Promise<void> | undefined;
  // The count of internal errors not printed this minute is printed when closed, not lost.
  const closeOnce = (drainTimeoutMs: number): Promise<void> => (closing ??= gateway.close(drainTimeoutMs).finally(() => internalErrors.flush()));
  onShutdownSignal(async (signal) => {
    console.log(`moongate: ${signal} received, finishing in-flight requests…`);
    // Stops accepting, drains requests in flight (server.drain_timeout_ms), then writes every queued log record.
    await closeOnce(config.server.drain_timeout_ms);
    console.log('moongate: logs flushed, bye.');
  }, { hurry: () => gateway.inFlight.hurry() });
  onFatalError(async () => {
    // Nothing in flight waits, not even a drain a signal began: each chat request is ended with an
    // error its client can read, and logged; anything else is cut.
    gateway.inFlight.hurry();
    await closeOnce(0);
  });
}

/**
 * The first request to try. With a master key, /v1/models needs it: the hint says so with a
 * placeholder, never the key itself (it may come from the file or any variable).
 */
export function tryHint(url: string, masterKey: boolean): string {
  return masterKey
    ? `Try: curl -H "Authorization: Bearer <master key>" ${url}/v1/models (the master key, or a gateway key mg-…)`
    : `Try: curl ${url}/v1/models`;
}

/** Said at start-up without a master key; where the gateway listens on every interface, that too. */
export function openModeWarning(host: string): string {
  const local = host === 'localhost' || isLoopbackAddress(host);
  return (
    'moongate: WARNING: no master_key is set: the gateway is in OPEN LOCAL MODE and anyone who can reach it can use it. ' +
    'Set master_key (e.g. master_key: env:MOONGATE_MASTER_KEY) before exposing it.' +
    (local ? '' : ` It listens on ${host}, so other machines can reach it: start it with --host 127.0.0.1 (or server.host) to keep it to this one.`)
  );
}
