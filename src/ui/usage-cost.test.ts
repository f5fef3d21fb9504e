import { describe, expect, it } from 'vitest';
import type { UsageRow } from './types.js';
import { costPerBucket, costText } from './usage-cost.js';

const row = (bucket: string, cost_usd: number | null, unpriced_requests: number): UsageRow => ({
  bucket,
  group: 'moonshot/kimi-latest',
  requests: 1 + unpriced_requests,
  errors: 0,
  prompt_tokens: 1,
  completion_tokens: 1,
  cached_tokens: 0,
  cost_usd,
  unpriced_requests,
  p50_latency_ms: null,
  p95_latency_ms: null,
});

describe('costText', () => {
  it('says unpriced, never $0, when no cost is known', () => {
    expect(costText([row('a', null, 2), row('b', null, 1)])).toBe('unpriced (3)');
  });

  it('sums the known costs and counts the unpriced requests apart', () => {
    expect(costText([row('a', 0.5, 0), row('b', null, 1), row('c', 0.25, 2)])).toBe('$0.7500 + 3 unpriced');
    expect(costText([row('a', 0.5, 0)])).toBe('$0.5000');
    expect(costText([row('a', 0, 0)])).toBe('$0');
  });
});

describe('costPerBucket', () => {
  it('leaves a gap for a bucket whose requests are all unpriced, and $0 for a bucket without requests', () => {
    const index = new Map([
      ['a', 0],
      ['b', 1],
      ['c', 2],
    ]);
    expect(costPerBucket([row('a', 0.5, 0), row('b', null, 1), row('a', null, 1)], index, 3)).toEqual([0.5, null, 0]);
  });
});
