import { describe, expect, it } from 'vitest';
import type { GatewayConfig } from '../config/types.js';
import type { Router } from '../router/router.js';
import { readiness } from './readiness.js';

const config = { providers: {} } as unknown as GatewayConfig;
const router = { health: { snapshot: () => [] }, admission: { inFlight: () => 0 }, waiting: 0 } as unknown as Router;
const failing = (message: string) => async () => {
  throw new Error(message);
};

describe('readiness', () => {
  it('is unavailable when a check fails, and stays ready when only a non-critical one does (reported as degraded)', async () => {
    const degraded = await readiness(config, router, [
      { name: 'store', check: async () => {} },
      { name: 'log_writes', critical: false, check: failing('records are spooled') },
    ]);
    expect(degraded).toMatchObject({ status: 'ok', checks: { config: 'ok', store: 'ok', log_writes: 'degraded: records are spooled' } });

    const down = await readiness(config, router, [{ name: 'store', check: failing('database is locked') }]);
    expect(down).toMatchObject({ status: 'unavailable', checks: { store: 'unavailable: database is locked' } });
  });
});
