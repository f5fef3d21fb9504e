import type { Deployment } from './deployments.js';

/**
 * Deployment groups by requested model name, built once and reused: resolving the alias, picking
 * the credentials and naming the keys again for every request was ~2 % of its CPU. The router
 * offers only what cannot depend on the caller (no keys brought, no per-request fallbacks), and
 * groups that use the caller's own key are not kept. Cleared whenever credentials change at run
 * time. Bounded: `provider/anything` is a valid name, so clients choose the keys.
 */
export class DeploymentCache {
  private readonly groups = new Map<string, Deployment[][]>();

  constructor(private readonly maxEntries = 1_000) {}

  get(model: string): Deployment[][] | undefined {
    return this.groups.get(model);
  }

  offer(model: string, groups: Deployment[][]): void {
    if (this.groups.size >= this.maxEntries) return;
    if (groups.some((group) => group.some((d) => d.callerKey))) return;
    this.groups.set(model, groups);
  }

  clear(): void {
    this.groups.clear();
  }
}
