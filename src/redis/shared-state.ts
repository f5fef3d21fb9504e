import type { DeploymentHealth } from '../router/deployment-health.js';
import type { ReadinessCheck } from '../server/readiness.js';
import { RedisLimitCounters } from './redis-limit-counters.js';
import { RedisLink } from './redis-link.js';
import { RedisSharedBudgets } from './shared-budgets.js';
import { SharedHealth } from './shared-health.js';

export interface SharedStateOptions {
  /** Namespace of every key; `moongate:` by default. Replicas share what they share under one prefix. */
  prefix?: string;
  /** How often provider health is read from Redis (default 1 s). */
  healthRefreshMs?: number;
  /** How often the budgets of gateway keys in use are read from Redis (default 1 s). */
  budgetRefreshMs?: number;
  /** Longest one Redis command may take before this replica counts alone (default 50 ms). */
  commandTimeoutMs?: number;
}

/**
 * What replicas share through the `redis` key: the limit counters (credentials' and gateway keys'
 * concurrency, rpm, tpm), gateway-key budgets (spend and holds, for replicas on different stores)
 * and provider health.
 */
export class SharedState {
  readonly link: RedisLink;
  readonly counters: RedisLimitCounters;
  readonly budgets: RedisSharedBudgets;
  private health: SharedHealth | undefined;
  private readonly prefix: string;

  constructor(
    url: string,
    private readonly options: SharedStateOptions = {},
  ) {
    this.prefix = options.prefix ?? 'moongate:';
    this.link = new RedisLink(url, { commandTimeoutMs: options.commandTimeoutMs });
    this.counters = new RedisLimitCounters(this.link, { prefix: this.prefix });
    this.budgets = new RedisSharedBudgets(this.link, { prefix: this.prefix, refreshMs: options.budgetRefreshMs });
  }

  /** Shares this gateway's provider health from now on. */
  shareHealth(health: DeploymentHealth): void {
    this.health = new SharedHealth(this.link, health, { prefix: this.prefix, refreshMs: this.options.healthRefreshMs });
  }

  /** In /health/ready: not critical, the gateway serves on with its own counters. */
  readonly readinessCheck: ReadinessCheck = {
    name: 'redis',
    critical: false,
    check: async () => {
      const trouble = this.link.trouble;
      if (trouble !== undefined) throw new Error(`${this.link.name}: ${trouble}; limits, budgets and provider health are this replica's alone`);
    },
  };

  /** Waits (at most `ms`) for the first connection attempt, and reads the others' health once. */
  async settled(ms: number): Promise<void> {
    await this.link.whenSettled(ms);
    await this.health?.refresh();
  }

  async close(): Promise<void> {
    this.counters.close();
    // Before the link closes: this replica's holds must not block its keys on the others.
    await this.budgets.leave();
    this.health?.close();
    await this.link.close();
  }
}
