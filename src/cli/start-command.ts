import { ConfigError, configWarnings, loadConfig } from '../config/index.js';
import type { GatewayConfig } from '../config/types.js';
import { createGateway } from '../gateway.js';
import { onShutdownSignal } from './shutdown.js';

interface StartOptions {
  config?: string;
  port?: number;
  host?: string;
}

export async function runStart(options: StartOptions): Promise<void> {
  const startedAt = performance.now();
  let config: GatewayConfig;
  try {
    config = loadConfig({ file: options.config, overrides: { port: options.port, host: options.host } });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`moongate: the configuration is not valid, nothing was started:\n${err.message}`);
      process.exit(1);
    }
    throw err;
  }

  for (const warning of configWarnings(config)) console.warn(`moongate: warning: ${warning}`);
  if (config.master_key === undefined) {
    console.warn(
      'moongate: WARNING: no master_key is set: the gateway is in OPEN LOCAL MODE and anyone who can reach it can use it. ' +
        'Set master_key (e.g. master_key: env:MOONGATE_MASTER_KEY) before exposing it.',
    );
  }

  const gateway = createGateway(config);
  const url = await gateway.listen();
  const providers = Object.values(config.providers)
    .map((p) => `${p.name} (${p.credentials.length} credential${p.credentials.length === 1 ? '' : 's'})`)
    .join(', ');
  console.log(`moongate: listening on ${url} — config: ${config.source}; providers: ${providers || 'none'}`);
  console.log(`moongate: ready in ${(performance.now() - startedAt).toFixed(0)} ms. Try: curl ${url}/v1/models`);

  onShutdownSignal(async (signal) => {
    console.log(`moongate: ${signal} received, finishing in-flight requests…`);
    await gateway.close();
  });
}
