import type { Deployment } from './deployments.js';

/** Longer names are not kept: real model names are short, and a client chooses the name. */
const MAX_NAME_LENGTH = 200;

/**
 * Deployment groups by requested model name, built once and reused: resolving the alias, picking
 * the credentials and naming the keys again for every request was ~2 % of its CPU. The router
 * offers only what cannot depend on the caller (no keys brought, no per-request fallbacks), and
 * groups that use the caller's own key are not kept. Cleared whenever credentials change at run
 * time. Bounded in entries and in name length, since `provider/anything` is a valid name and
 * clients choose it; when full, the oldest entry makes room (a name in use is soon built again).
 */
export class DeploymentCache {
  private readonly groups = new Map<string, Deployment[][]>();

  constructor(private readonly maxEntries = 1_000) {}

  get(model: string): Deployment[][] | undefined {
    return this.groups.get(model);
  }

  offer(model: string, groups: Deployment[][]): void {
    if (model.length > MAX_NAME_LENGTH) return;
    if (groups.some((group) => group.some((d) => d.callerKey))) return;
    if (this.groups.size >= this.maxEntries) this.groups.delete(this.groups.keys().next().value!);
    this.groups.set(model, groups);
  }

  clear(): void {
    this.groups.clear();
  }
}
