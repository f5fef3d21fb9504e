import { simulatorBanner, startSimulator } from '../sim/index.js';
import { onShutdownSignal } from './shutdown.js';

interface SimOptions {
  port: number;
  host: string;
  latency: number;
  tokenDelay: number;
}

export async function runSim(options: SimOptions): Promise<void> {
  const sim = await startSimulator({ port: options.port, host: options.host, latencyMs: options.latency, tokenDelayMs: options.tokenDelay });
  console.log(simulatorBanner(sim));
  onShutdownSignal(() => sim.close());
}
