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
});

describe('GatewayMetrics', () => {
  it('renders without sources, and counts unpriced requests apart from priced ones', async () => {
    const m = new GatewayMetrics({ prices });
    m.observer.onRequestFinished(outcome('kimi-k2.6'));
    m.observer.onRequestFinished(outcome('kimi-latest')); // no price in the catalogue
    m.observer.onRequestFinished(outcome(undefined, { status: 404, usage: undefined, error: { type: 'invalid_request_error', message: 'x', code: 'model_not_found' } }));
    const text = await m.render();
    expect(text).toMatch(/^moongate_cost_usd_total\{provider="moonshot",model="kimi-k2.6"\} 0\.0000295$/m);
    expect(text).toMatch(/^moongate_unpriced_requests_total\{provider="moonshot",model="kimi-latest"\} 1$/m);
    expect(text).toMatch(/^moongate_requests_total\{provider="none",model="none",status="404"\} 1$/m);
    expect(text).toMatch(/^moongate_requests_in_flight 0$/m);
    expect(text).not.toContain('moongate_process_');
  });
});
