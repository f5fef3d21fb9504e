import { describe, expect, it } from 'vitest';
import { DeploymentCache } from './deployment-cache.js';
import type { Deployment } from './deployments.js';

const deployment = (callerKey: boolean): Deployment => ({ key: 'p/c/m', limitKey: 'p/c', callerKey }) as Deployment;

describe('DeploymentCache', () => {
  it('keeps groups per model until cleared', () => {
    const cache = new DeploymentCache();
    const groups = [[deployment(false)]];
    cache.offer('kimi', groups);
    expect(cache.get('kimi')).toBe(groups);
    expect(cache.get('other')).toBeUndefined();
    cache.clear();
    expect(cache.get('kimi')).toBeUndefined();
  });

  it('does not keep groups that use a key the caller brought', () => {
    const cache = new DeploymentCache();
    cache.offer('kimi', [[deployment(false)], [deployment(true)]]);
    expect(cache.get('kimi')).toBeUndefined();
  });

  it('stops adding at its bound', () => {
    const cache = new DeploymentCache(2);
    for (const model of ['a', 'b', 'c']) cache.offer(model, [[deployment(false)]]);
    expect([cache.get('a'), cache.get('b'), cache.get('c')].map((g) => g !== undefined)).toEqual([true, true, false]);
  });
});
