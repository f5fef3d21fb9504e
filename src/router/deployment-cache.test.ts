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

  it('keeps at most its bound, the oldest entry making room', () => {
    const cache = new DeploymentCache(2);
    for (const model of ['a', 'b', 'c']) cache.offer(model, [[deployment(false)]]);
    expect([cache.get('a'), cache.get('b'), cache.get('c')].map((g) => g !== undefined)).toEqual([false, true, true]);
  });

  it('does not keep a name longer than any real model name (a client chooses it)', () => {
    const cache = new DeploymentCache();
    const long = `moonshot/${'x'.repeat(10_000)}`;
    cache.offer(long, [[deployment(false)]]);
    expect(cache.get(long)).toBeUndefined();
  });
});
