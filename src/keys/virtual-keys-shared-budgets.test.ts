import { describe, expect, it } from 'vitest';
import { InMemoryLimitCounters } from '../router/limit-counters.js';
import type { GatewayError } from '../server/gateway-error.js';
import { InMemoryKeyStore } from './key-store.js';
import type { BudgetPeriod } from './virtual-key.js';
import { VirtualKeys } from './virtual-keys.js';
import type { SharedBudgetView, SharedBudgets } from './virtual-keys.js';

/** What the other replicas add, as a test sets it; and what this one told it. */
class FakeSharedBudgets implements SharedBudgets {
  shown: SharedBudgetView = { spentUsd: 0, othersHeldUsd: 0 };
  readonly asked: { keyId: string; period: BudgetPeriod; start: number }[] = [];
  readonly charges: { keyId: string; period: BudgetPeriod; start: number; usd: number }[] = [];
  held = 0;

  view(keyId: string, period: BudgetPeriod, start: number): SharedBudgetView {
    this.asked.push({ keyId, period, start });
    return this.shown;
  }

  charge(keyId: string, period: BudgetPeriod, start: number, usd: number): void {
    this.charges.push({ keyId, period, start, usd });
  }

  hold(_keyId: string, usd: number): () => void {
    this.held += usd;
    return () => (this.held -= usd);
  }
}

const NOON = Date.UTC(2026, 10, 22, 12, 0, 0);
const TODAY = Date.UTC(2026, 10, 22);

function setup() {
  const clock = () => NOON;
  const shared = new FakeSharedBudgets();
  const keys = new VirtualKeys(new InMemoryKeyStore(), new InMemoryLimitCounters(clock), clock, shared);
  return { keys, shared };
}

function failure(f: () => unknown): GatewayError {
  try {
    f();
  } catch (e) {
    return e as GatewayError;
  }
  throw new Error('expected a failure');
}

describe('VirtualKeys with shared budgets (the redis key)', () => {
  it("refuses once the replicas' shared spend reaches the budget, though this store's spend does not", async () => {
    const { keys, shared } = setup();
    const { key } = await keys.create({ name: 'a', budget_usd: 1, budget_period: 'day' });
    const k = await keys.authenticate(key);
    keys.checkBudget(k);
    expect(shared.asked).toEqual([{ keyId: k.id, period: 'day', start: TODAY }]);
    shared.shown = { spentUsd: 1, othersHeldUsd: 0 };
    const refused = failure(() => keys.checkBudget(k));
    expect([refused.status, refused.code]).toEqual([429, 'budget_exceeded']);
    expect(refused.message).toContain('has spent $1.000000 of its $1 per-day budget');
  });

  it("keeps this store's spend when the shared one is lower (Redis restarted empty)", async () => {
    const { keys, shared } = setup();
    const { key } = await keys.create({ name: 'a', budget_usd: 1, budget_period: 'total' });
    const k = await keys.authenticate(key);
    await keys.settle(k, undefined, 1, 10);
    shared.shown = { spentUsd: 0.5, othersHeldUsd: 0 };
    const refused = failure(() => keys.checkBudget(k));
    expect([refused.status, refused.code]).toEqual([429, 'budget_exceeded']);
    expect(refused.message).toContain('has spent $1.000000 of its $1 total budget');
  });

  it("counts the other replicas' holds with its own", async () => {
    const { keys, shared } = setup();
    const { key } = await keys.create({ name: 'a', budget_usd: 1 });
    const k = await keys.authenticate(key);
    shared.shown = { spentUsd: 0.25, othersHeldUsd: 0.5 };
    keys.checkBudget(k);
    const release = keys.hold(k, 0.3);
    expect(shared.held).toBeCloseTo(0.3, 12);
    const refused = failure(() => keys.checkBudget(k));
    expect(refused.message).toContain('has spent $0.250000 of its $1 budget, and its requests in flight are expected to spend about $0.800000 more');
    release();
    release();
    expect(shared.held).toBeCloseTo(0, 12);
    keys.checkBudget(k);
  });

  it('shares the charges of keys with a budget, in the period they fall in, and only theirs', async () => {
    const { keys, shared } = setup();
    const budgeted = await keys.create({ name: 'a', budget_usd: 1, budget_period: 'month' });
    const unbudgeted = await keys.create({ name: 'b' });
    await keys.settle(await keys.authenticate(budgeted.key), undefined, 0.25, 10);
    await keys.settle(await keys.authenticate(budgeted.key), undefined, 0, 10);
    await keys.settle(await keys.authenticate(unbudgeted.key), undefined, 0.5, 10);
    expect(shared.charges).toEqual([{ keyId: budgeted.record.id, period: 'month', start: Date.UTC(2026, 10, 1), usd: 0.25 }]);
  });
});
