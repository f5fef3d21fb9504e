/**
 * Runs the Moonshot simulator from the build (dist/sim) in its own process, quiet (the CLI's
 * `moongate sim` prints a line per request, which would cost the simulator more than the gateway).
 * Usage: node sim-server.js <dist/sim/index.js path> [port]   (listens on 127.0.0.1 only)
 */
import { pathToFileURL } from 'node:url';

interface SimModule {
  startSimulator(options: { port?: number; host?: string; quiet?: boolean }): Promise<{ url: string; close(): Promise<void> }>;
}

const [modulePath = '', port = '0'] = process.argv.slice(2);
const { startSimulator } = (await import(pathToFileURL(modulePath).href)) as SimModule;
const sim = await startSimulator({ port: Number(port), host: '127.0.0.1', quiet: true });
console.log(`simulator listening on ${sim.url}`);
process.on('SIGTERM', () => {
  sim.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
