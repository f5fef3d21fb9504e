import type { GatewayConfig } from '../config/types.js';
import type { Router } from '../router/router.js';

/** A dependency the gateway cannot work without (the store); throws when it is not available. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
  /**
   * False for a check whose failure the gateway works around (log records spooled while the store
   * refuses writes): reported as `degraded: …`, and the gateway stays ready.
   */
  critical?: boolean;
}

export interface ReadinessReport {
  status: 'ok' | 'unavailable';
  checks: Record<string, string>;
  /** Every configured credential's health: ok, cooling down, or disabled and why. Informational. */
  credentials: Record<string, unknown>[];
  queue: { waiting: number };
}

/** GET /health/ready: ready when every check passes; credential health is reported, not judged. */
export async function readiness(config: GatewayConfig, router: Router, checks: readonly ReadinessCheck[]): Promise<ReadinessReport> {
  const results: Record<string, string> = { config: 'ok' };
  let ok = true;
  await Promise.all(
    checks.map(async (c) => {
      try {
        await c.check();
        results[c.name] = 'ok';
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (c.critical === false) {
          results[c.name] = `degraded: ${message}`;
          return;
        }
        ok = false;
        results[c.name] = `unavailable: ${message}`;
      }
    }),
  );
  const keys = Object.values(config.providers).flatMap((p) => p.credentials.map((c) => `${p.name}/${c.name}`));
  const credentials = router.health.snapshot(keys).map((s) => ({ ...s, in_flight: router.admission.inFlight(s.credential) }));
  return { status: ok ? 'ok' : 'unavailable', checks: results, credentials, queue: { waiting: router.waiting } };
}
