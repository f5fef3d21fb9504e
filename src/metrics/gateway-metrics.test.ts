import { describe, expect, it } from 'vitest';
import { PriceBook } from '../pricing/price-book.js';
import type { RequestOutcome } from '../server/request-outcome.js';
import { GatewayMetrics } from './gateway-metrics.js';
import { LabelLimiter } from './label-limiter.js';

const prices = new PriceBook({ moonshot: { type: 'moonshot' } }, {});

function outcome(model: string | undefined, over: Partial<RequestOutcome> = {}): RequestOutcome {
  return {
    requestId: 'r', startedAt: 0, stream: false, modelRequested: model, provider: model && 'moonshot', model, credential: 'main', status: 200, error: undefined,
    attempts: model ? [{ provider: 'moonshot', model, credential: 'main', started_ms: 0, duration_ms: 1 }] : [], adjustments: [],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, cached_tokens: 0, reasoning_tokens: 0 }, latencyMs: 100, ttftMs: undefined, overheadMs: 1,
    request: undefined, response: undefined, clientClosed: false, caller: { customerIdentifier: undefined, metadata: undefined, user: undefined, traceId: undefined }, ...over,
  };
}

describe('LabelLimiter', () => {
  it('passes values through up to the cap, then says other', () => {
    const l = new LabelLimiter(2);
    expect([l.value('a'), l.value('b'), l.value('c'), l.value('a'), l.value(undefined)]).toEqual(['a', 'b', 'other', 'a', 'none']);
  });

  it('lets known values through whatever the cap', () => {
    const l = new LabelLimiter(1, (v, context) => v.startsWith('known') && context === 'p');
    expect([l.value('x', 'p'), l.value('y', 'p'), l.value('known-1', 'p'), l.value('known-2', 'q'), l.value('known-3', 'p')]).toEqual(['x', 'other', 'known-1', 'other', 'known-3']);
  });
});

describe('GatewayMetrics', () => {
  it('renders without sources, and counts unpriced requests apart from priced ones', async () => {
    const m = new GatewayMetrics({ prices });
    m.observer.onRequestFinished(outcome('kimi-k2.6'));
    m.observer.onRequestFinished(outcome('kimi-latest')); // no price in the catalogue
    m.observer.onRequestFinished(outcome(undefined, { status: 404, usage: undefined, error: { type: 'invalid_request_error', message: 'x', code: 'model_not_found' } }));
    const { text } = await m.render();
    expect(text).toMatch(/^moongate_cost_usd_total\{provider="moonshot",model="kimi-k2.6"\} 0\.0000295$/m);
    expect(text).toMatch(/^moongate_unpriced_requests_total\{provider="moonshot",model="kimi-latest"\} 1$/m);
    expect(text).toMatch(/^moongate_requests_total\{provider="none",model="none",status="404"\} 1$/m);
    expect(text).toMatch(/^moongate_requests_in_flight 0$/m);
    expect(text).not.toContain('moongate_process_');
  });

  it('shows moongate_redis_up only with redis configured, 1 while it is usable', async () => {
    expect((await new GatewayMetrics({ prices }).render()).text).not.toContain('moongate_redis_up');
    const m = new GatewayMetrics({ prices });
    let up = true;
    m.setSources({ redisUp: () => up });
    expect((await m.render()).text).toMatch(/^moongate_redis_up 1$/m);
    up = false;
    expect((await m.render()).text).toMatch(/^moongate_redis_up 0$/m);
  });

  it('labels the catalogue\'s models by name, and names it does not know up to 50, then as other', async () => {
    const m = new GatewayMetrics({ prices });
    for (let i = 0; i < 60; i++) m.observer.onRequestFinished(outcome(`made-up-${i}`, { status: 404 }));
    m.observer.onRequestFinished(outcome('kimi-k2.6'));
    m.observer.onRequestFinished(outcome('kimi-latest'));
    const { text } = await m.render();
    const models = new Set([...text.matchAll(/^moongate_requests_total\{provider="moonshot",model="([^"]+)"/gm)].map((x) => x[1]));
    expect(models.size).toBe(50 + 1 + 2);
    expect(models).toContain('kimi-k2.6');
    expect(models).toContain('kimi-latest');
    expect(models).toContain('made-up-49');
    expect(models).not.toContain('made-up-50');
    expect(text).toMatch(/^moongate_requests_total\{provider="moonshot",model="other",status="404"\} 10$/m);
  });

  it('builds one registry, at the first scrape, for scrapes that come together and the ones after', async () => {
    const m = new GatewayMetrics({ prices, processMetrics: true });
    let written = 3;
    m.setSources({ logWriter: () => ({ written, backlog: 0, spoolBytes: 0, storeHealthy: true, spooled: 0, replayed: 0, storeFailures: 0, refused: 0 }) as never });
    m.observer.onRequestFinished(outcome('kimi-k2.6'));
    const [a, b] = await Promise.all([m.render(), m.render()]);
    for (const { text } of [a, b]) expect(text).toMatch(/^moongate_requests_total\{provider="moonshot",model="kimi-k2.6",status="200"\} 1$/m);
    expect(a.contentType).toMatch(/^text\/plain/);
    expect(a.text).toMatch(/^moongate_process_cpu_seconds_total \d/m);
    expect(a.text).toMatch(/^moongate_nodejs_eventloop_lag_seconds \d/m);
    expect(a.text).toMatch(/^moongate_log_records_written_total 3$/m);
    written = 5;
    m.observer.onRequestFinished(outcome('kimi-k2.6'));
    const { text } = await m.render();
    expect(text).toMatch(/^moongate_log_records_written_total 5$/m);
    expect(text).toMatch(/^moongate_requests_total\{provider="moonshot",model="kimi-k2.6",status="200"\} 2$/m);
  });
});
