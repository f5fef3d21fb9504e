import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { parseConfigText } from '../../src/config/index.js';
import { createGatewayWithStore } from '../../src/gateway.js';
import type { GatewayWithStore } from '../../src/gateway.js';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { GLOBAL_KEY } from './stack.js';

/**
 * A simulator and a SQLite file that outlive the gateways booted on them, for tests that stop a
 * gateway and start another on the same store (restarts, shutdown). Call at a test file's top
 * level: it registers its own beforeAll and afterAll.
 */
export function useRestartableStore(prefix: string): { boot(yaml?: string): Promise<{ gateway: GatewayWithStore; url: string }> } {
  let sim: Simulator;
  let dir: string;
  beforeAll(async () => {
    sim = await startSimulator({ quiet: true });
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    /** A gateway on the store, the simulator as its moonshot provider (one credential), plus `yaml`. */
    async boot(yaml = '') {
      const config = parseConfigText(
        `${yaml}
store: sqlite:${join(dir, 'moongate.db')}
providers:
  moonshot:
    regions: { global: ${sim.globalBaseUrl}, cn: ${sim.cnBaseUrl} }
    credentials: [{ name: main, api_key: ${GLOBAL_KEY} }]
`,
        'test.yaml',
        {},
      );
      const gateway = await createGatewayWithStore(config, { processMetrics: false, writer: { warn: () => {} } });
      const url = await gateway.listen(0, '127.0.0.1');
      return { gateway, url };
    },
  };
}
