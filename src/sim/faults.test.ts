import { describe, expect, it } from 'vitest';
import { FaultQueue, parseFault } from './faults.js';

const target = { model: 'kimi-k2.6', key: 'sk-a', region: 'global' as const };

describe('FaultQueue', () => {
  it('applies a fault once by default, then runs dry', () => {
    const q = new FaultQueue();
    q.push({ status: 500 });
    expect(q.take(target)?.status).toBe(500);
    expect(q.take(target)).toBeUndefined();
  });

  it('honours times', () => {
    const q = new FaultQueue();
    q.push({ status: 503, times: 2 });
    expect(q.take(target)?.status).toBe(503);
    expect(q.list()[0]?.times).toBe(1);
    expect(q.take(target)?.status).toBe(503);
    expect(q.take(target)).toBeUndefined();
  });

  it('only hits matching requests and keeps the others queued', () => {
    const q = new FaultQueue();
    q.push({ status: 429, match: { region: 'cn' } });
    q.push({ status: 500, match: { model: 'kimi-k3', key: 'sk-a' } });
    expect(q.take(target)).toBeUndefined();
    expect(q.take({ ...target, model: 'kimi-k3' })?.status).toBe(500);
    expect(q.take({ ...target, region: 'cn' })?.status).toBe(429);
    expect(q.size).toBe(0);
  });

  it('clear empties the queue', () => {
    const q = new FaultQueue();
    q.push({ garbage: true, times: 5 });
    q.clear();
    expect(q.take(target)).toBeUndefined();
  });
});

describe('parseFault', () => {
  it('accepts a well-formed fault', () => {
    expect(parseFault({ status: 429, retryAfterSeconds: 3, match: { region: 'cn' } })).toEqual({
      status: 429,
      retryAfterSeconds: 3,
      match: { region: 'cn' },
    });
  });

  it('explains what is wrong', () => {
    expect(parseFault([])).toBe('fault must be a JSON object');
    expect(parseFault({ status: 'x' })).toBe('status must be a non-negative number');
    expect(parseFault({ status: 42 })).toBe('status must be an HTTP status');
    expect(parseFault({ match: { region: 'eu' } })).toBe('match.region must be global or cn');
    expect(parseFault({ garbage: 'yes' })).toBe('garbage must be a boolean');
  });
});
