import { describe, expect, it } from 'vitest';
import { PriceBook } from '../pricing/price-book.js';
import type { RequestOutcome } from '../server/request-outcome.js';
import { asString, textToHold } from './bodies/json-text.js';
import type { JsonText } from './bodies/json-text.js';
import { logEntryFromOutcome } from './entry-from-outcome.js';
import type { RecordContext } from './entry-from-outcome.js';

/** A body's JSON as a string, whichever form the record holds it in. */
const text = (body: JsonText | null): string => asString(body!);

const prices = new PriceBook({ moonshot: { type: 'moonshot' } }, {});
const full: RecordContext = { prices, bodies: { mode: 'full', maxBytes: 64 * 1024 } };

function outcome(over: Partial<RequestOutcome> = {}): RequestOutcome {
  return {
    requestId: 'req-1',
    startedAt: Date.UTC(2026, 0, 1),
    stream: true,
    modelRequested: 'kimi',
    provider: 'moonshot',
    model: 'kimi-k2.6',
    credential: 'main',
    status: 200,
    error: undefined,
    attempts: [{ provider: 'moonshot', model: 'kimi-k2.6', credential: 'main', status: 200, started_ms: 0.123456, duration_ms: 80.987654 }],
    adjustments: ['max_tokens → max_completion_tokens'],
    usage: { prompt_tokens: 1000, completion_tokens: 100, total_tokens: 1100, cached_tokens: 600, reasoning_tokens: 40 },
    latencyMs: 250.5555,
    ttftMs: 90.1234,
    overheadMs: 2.3456,
    request: { model: 'kimi', messages: [{ role: 'user', content: 'secret question' }] },
    response: { choices: [{ index: 0, message: { role: 'assistant', content: 'secret answer' } }] },
    clientClosed: false,
    caller: { keyId: 'key_abc', customerIdentifier: 'acme', metadata: { team: 'x' }, user: 'u1', traceId: 't1' },
    ...over,
  };
}

describe('logEntryFromOutcome', () => {
  it('turns an outcome into a record: who, where, tokens, cost split, times', () => {
    const e = logEntryFromOutcome(outcome(), full);
    expect(e).toMatchObject({
      id: 'req-1',
      created_at_ms: Date.UTC(2026, 0, 1) + 251,
      source: 'proxy',
      key_id: 'key_abc',
      customer_identifier: 'acme',
      user: 'u1',
      trace_id: 't1',
      metadata: { team: 'x' },
      provider: 'moonshot',
      credential: 'main',
      model_requested: 'kimi',
      model: 'kimi-k2.6',
      stream: true,
      status: 200,
      error_type: null,
      prompt_tokens: 1000,
      completion_tokens: 100,
      cached_tokens: 600,
      reasoning_tokens: 40,
      latency_ms: 250.56,
      ttft_ms: 90.12,
      overhead_ms: 2.35,
      adjustments: ['max_tokens → max_completion_tokens'],
      attempts: [{ provider: 'moonshot', model: 'kimi-k2.6', credential: 'main', status: 200, started_ms: 0.12, duration_ms: 80.99 }],
    });
    // 400 uncached × 0.95 + 600 cached × 0.16 + 100 × 4.00, per 1M tokens.
    expect(e.cost_details).toEqual({ input_usd: 0.00038, cached_input_usd: 0.000096, output_usd: 0.0004, web_search_usd: 0, web_search_calls: 0 });
    expect(e.cost_usd).toBe(0.000876);
    expect(JSON.parse(text(e.request_json)).messages[0].content).toBe('secret question');
  });

  it('redacts or drops bodies per logging.bodies', () => {
    const redacted = logEntryFromOutcome(outcome(), { prices, bodies: { mode: 'redacted', maxBytes: 65536 } });
    expect(JSON.parse(text(redacted.request_json)).messages[0]).toEqual({ role: 'user', content: '[redacted 15 chars]' });
    expect(JSON.parse(text(redacted.response_json)).choices[0].message.content).toBe('[redacted 13 chars]');
    const off = logEntryFromOutcome(outcome(), { prices, bodies: { mode: 'off', maxBytes: 65536 } });
    expect(off.request_json).toBeNull();
    expect(off.response_json).toBeNull();
  });

  it('keeps a request prepared while its stream ran as it is, stored or not', () => {
    const prepared = '{"model":"kimi","messages":[{"role":"user","content":"as prepared"}]}';
    const kept = logEntryFromOutcome(outcome({ request: undefined, requestJson: prepared }), full);
    expect(kept.request_json).toBe(prepared);
    const long = JSON.stringify({ model: 'kimi', messages: [{ role: 'user', content: `${'words '.repeat(2000)}…[truncated 5 chars]` }] });
    const held = textToHold(long);
    // Still its bytes, not decoded: the store writes them as they are.
    expect(logEntryFromOutcome(outcome({ request: undefined, requestJson: held }), full).request_json).toBe(held);
    expect(text(held)).toBe(long);
    const notStored = logEntryFromOutcome(outcome({ request: undefined, requestJson: null }), full);
    expect(notStored.request_json).toBeNull();
    // Not prepared (a request that ended before its stream began): built from the body as before.
    expect(JSON.parse(text(logEntryFromOutcome(outcome({ requestJson: undefined }), full).request_json)).messages[0].content).toBe('secret question');
  });

  it('holds a long body as its UTF-8 bytes until it is written, a short one as text', () => {
    const answer = `Le port s’éclaire à la tombée du jour. ${'La marée monte. '.repeat(400)}`;
    const e = logEntryFromOutcome(outcome({ response: { choices: [{ index: 0, message: { role: 'assistant', content: answer } }] } }), full);
    expect(typeof e.request_json).toBe('string');
    const response = e.response_json as { bytes: Buffer; length: number };
    expect(Buffer.isBuffer(response.bytes)).toBe(true);
    const json = response.bytes.toString('utf8');
    expect(response.length).toBe(json.length);
    expect(JSON.parse(json).choices[0].message.content).toBe(answer);
  });

  it('logs what the client was told when the request failed, at no cost', () => {
    const e = logEntryFromOutcome(
      outcome({ status: 429, usage: undefined, response: undefined, ttftMs: undefined, error: { type: 'rate_limit_error', message: 'moonshot: slow down', code: null } }),
      full,
    );
    expect(e).toMatchObject({ status: 429, error_type: 'rate_limit_error', error_message: 'moonshot: slow down', cost_usd: 0, prompt_tokens: null, ttft_ms: null });
    expect(JSON.parse(text(e.response_json))).toEqual({ error: { message: 'moonshot: slow down', type: 'rate_limit_error', code: null } });
  });

  it('leaves the cost unknown when an answer was produced but its usage never came', () => {
    const cut = logEntryFromOutcome(outcome({ status: 499, usage: undefined, error: { type: 'client_closed_request', message: 'gone', code: null } }), full);
    expect(cut.cost_usd).toBeNull();
    expect(cut.cost_details).toBeNull();
  });

  it('bills $web_search calls per call', () => {
    const e = logEntryFromOutcome(
      outcome({ response: { choices: [{ message: { tool_calls: [{ type: 'builtin_function', function: { name: '$web_search', arguments: '{}' } }] } }] } }),
      full,
    );
    expect(e.cost_details).toMatchObject({ web_search_calls: 1, web_search_usd: 0.004 });
    expect(e.cost_usd).toBeCloseTo(0.004876, 12);
  });
});
