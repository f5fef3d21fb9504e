import { simulatorBanner, startSimulator } from '../sim/index.js';
import { listenErrorMessage } from './listen-error.js';
import { onShutdownSignal } from './shutdown.js';

interface SimOptions {
  port: number;
  host: string;
  latency: number;
  tokenDelay: number;
  retireModels: boolean;
}

export async function runSim(options: SimOptions): Promise<void> {
  let sim;
  try {
    sim = await startSimulator({ port: options.port, host: options.host, latencyMs: options.latency, tokenDelayMs: options.tokenDelay, retireModels: options.retireModels });
  } catch (err) {
    const message = listenErrorMessage(err, options.host, options.port, 'choose another with --port');
    if (message === undefined) throw err;
    console.error(`moongate: ${message}`);
    process.exit(1);
  }
  console.log(simulatorBanner(sim));
  onShutdownSignal(() => sim.close());
}
