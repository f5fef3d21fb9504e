import { describe, expect, it } from 'vitest';
import { PriceBook } from '../../pricing/price-book.js';
import type { IngestContext } from './ingest-context.js';
import { entryFromMoongateLog, parseMoongateLog } from './moongate-log-body.js';
import { entryFromRespanLog, parseRespanLog } from './respan-log-body.js';

const NOW = Date.UTC(2026, 5, 1);

function context(key?: IngestContext['key']): IngestContext {
  return {
    prices: new PriceBook({}, {}),
    bodies: { mode: 'full', maxBytes: 1_000_000 },
    providerNames: new Set(['moonshot', 'openai']),
    keyId: key ? 'key_test' : null,
    ...(key ? { key } : {}),
    now: NOW,
    newId: () => 'log_test',
  };
}
const scoped = context({ models: ['moonshot/kimi-k2.6'], customer_identifier: 'acme' });
const open = context({ models: null, customer_identifier: null });
const master = context();

/** The GatewayError a call throws, as status, code and param. */
function refusal(call: () => unknown): { status: number; code: string | null; param: string | null } | undefined {
  try {
    call();
    return undefined;
  } catch (err) {
    const e = err as { status: number; code: string | null; param: string | null };
    return { status: e.status, code: e.code, param: e.param };
  }
}

describe('records a gateway key sends', () => {
  it('may name a model by the bare name the key was given, or its moonshot/ form, as the proxy allows (bare `kimi-k2.6` was refused 403)', () => {
    const bare = context({ models: ['kimi-k2.6'], customer_identifier: null });
    expect(entryFromMoongateLog(parseMoongateLog({ model: 'kimi-k2.6' }), bare)).toMatchObject({ provider: 'moonshot', model: 'kimi-k2.6' });
    expect(entryFromMoongateLog(parseMoongateLog({ model: 'moonshot/kimi-k2.6' }), bare)).toMatchObject({ provider: 'moonshot', model: 'kimi-k2.6' });
    expect(entryFromRespanLog(parseRespanLog({ model: 'kimi-k2.6' }), bare)).toMatchObject({ provider: 'moonshot', model: 'kimi-k2.6' });
    expect(refusal(() => entryFromMoongateLog(parseMoongateLog({ model: 'moonshot/kimi-k3' }), bare))).toEqual({ status: 403, code: 'model_not_allowed', param: 'model' });
    expect(refusal(() => entryFromMoongateLog(parseMoongateLog({ model: 'kimi-k2.6', provider: 'openai' }), bare))).toMatchObject({ code: 'model_not_allowed' });
  });

  it('must be for a model the key may use', () => {
    expect(entryFromMoongateLog(parseMoongateLog({ model: 'kimi-k2.6' }), scoped)).toMatchObject({ model: 'kimi-k2.6', key_id: 'key_test' });
    expect(entryFromMoongateLog(parseMoongateLog({ model: 'moonshot/kimi-k2.6' }), scoped).provider).toBe('moonshot');
    expect(refusal(() => entryFromMoongateLog(parseMoongateLog({ model: 'openai/gpt-4o' }), scoped))).toEqual({ status: 403, code: 'model_not_allowed', param: 'model' });
    expect(refusal(() => entryFromMoongateLog(parseMoongateLog({ model: 'kimi-k2.6', provider: 'openai' }), scoped))).toMatchObject({ code: 'model_not_allowed' });
    expect(refusal(() => entryFromRespanLog(parseRespanLog({ model: 'gpt-4o', provider_id: 'openai' }), scoped))).toMatchObject({ status: 403, code: 'model_not_allowed' });
    expect(entryFromMoongateLog(parseMoongateLog({ model: 'openai/gpt-4o' }), open).model).toBe('gpt-4o');
  });

  it('may not give a cost: it is computed from the tokens', () => {
    expect(refusal(() => entryFromMoongateLog(parseMoongateLog({ model: 'kimi-k2.6', cost_usd: 1 }), open))).toEqual({ status: 403, code: 'cost_not_allowed', param: 'cost_usd' });
    expect(refusal(() => entryFromRespanLog(parseRespanLog({ model: 'kimi-k2.6', cost: 0.5 }), open))).toEqual({ status: 403, code: 'cost_not_allowed', param: 'cost' });
    expect(refusal(() => entryFromRespanLog(parseRespanLog({ model: 'x', prompt_unit_price: 1, completion_unit_price: 1 }), open))).toMatchObject({ param: 'prompt_unit_price' });
    // kimi-k2.6: 0.95 input, 4.00 output per 1M tokens.
    expect(entryFromMoongateLog(parseMoongateLog({ model: 'moonshot/kimi-k2.6', prompt_tokens: 1_000_000, completion_tokens: 0 }), open).cost_usd).toBeCloseTo(0.95, 10);
    expect(entryFromMoongateLog(parseMoongateLog({ model: 'kimi-k2.6', cost_usd: null }), open).cost_usd).toBeNull();
  });

  it("are for the key's own customer when it has one", () => {
    expect(entryFromMoongateLog(parseMoongateLog({ model: 'kimi-k2.6' }), scoped).customer_identifier).toBe('acme');
    expect(entryFromMoongateLog(parseMoongateLog({ model: 'kimi-k2.6', customer_identifier: 'acme' }), scoped).customer_identifier).toBe('acme');
    expect(refusal(() => entryFromMoongateLog(parseMoongateLog({ model: 'kimi-k2.6', customer_identifier: 'globex' }), scoped))).toEqual({
      status: 403,
      code: 'customer_not_allowed',
      param: 'customer_identifier',
    });
    expect(refusal(() => entryFromRespanLog(parseRespanLog({ model: 'kimi-k2.6', customer_params: { customer_identifier: 'globex' } }), scoped))).toMatchObject({
      param: 'customer_params.customer_identifier',
    });
    expect(entryFromMoongateLog(parseMoongateLog({ model: 'kimi-k2.6', customer_identifier: 'globex' }), open).customer_identifier).toBe('globex');
  });

  it('leave the master key free to log any model, customer and cost', () => {
    expect(entryFromMoongateLog(parseMoongateLog({ model: 'openai/gpt-4o', customer_identifier: 'globex', cost_usd: 3, key_id: 'key_other' }), master)).toMatchObject({
      provider: 'openai',
      customer_identifier: 'globex',
      cost_usd: 3,
      key_id: 'key_other',
    });
    expect(entryFromRespanLog(parseRespanLog({ model: 'gpt-4o', cost: 0.5 }), master).cost_usd).toBe(0.5);
  });
});

describe('record times', () => {
  it('may not lie more than 5 minutes ahead of the clock, whoever sends them', () => {
    const soon = new Date(Date.now() + 60_000).toISOString();
    const later = new Date(Date.now() + 10 * 60_000).toISOString();
    expect(parseMoongateLog({ model: 'x', created_at: soon }).created_at).toBe(soon);
    expect(refusal(() => parseMoongateLog({ model: 'x', created_at: later }))).toMatchObject({ status: 400, param: 'created_at' });
    expect(refusal(() => parseMoongateLog({ model: 'x', created_at: Date.now() + 10 * 60_000 }))).toMatchObject({ status: 400, param: 'created_at' });
    expect(refusal(() => parseRespanLog({ model: 'x', timestamp: later }))).toMatchObject({ status: 400, param: 'timestamp' });
  });
});
