import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../server/gateway-error.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { parseListQuery, parseTime, parseUsageQuery, splitModel } from './parse-query.js';

const providers = new Set(['moonshot', 'together']);
const params = (q: string) => new URLSearchParams(q);

function rejects(fn: () => unknown, param: string): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).status).toBe(400);
    expect((err as GatewayError).param).toBe(param);
    return;
  }
  throw new Error(`expected a 400 for ${param}`);
}

describe('log query parameters', () => {
  it('reads every filter with defaults', () => {
    expect(parseListQuery(params(''), providers)).toEqual({ limit: 50 });
    expect(parseListQuery(params('model=moonshot/kimi-k2.6&key_id=key_1&customer=acme&status=error&limit=10&bodies=false&from=2026-01-01T00:00:00Z&to=1767312000'), providers)).toEqual({
      provider: 'moonshot',
      model: 'kimi-k2.6',
      key_id: 'key_1',
      customer: 'acme',
      status: 'error',
      limit: 10,
      omit_bodies: true,
      from_ms: Date.UTC(2026, 0, 1),
      to_ms: 1767312000 * 1000,
    });
  });

  it('splits provider/model only on a known provider', () => {
    expect(splitModel('together/meta-llama/Llama-3.3', providers)).toEqual({ provider: 'together', model: 'meta-llama/Llama-3.3' });
    expect(splitModel('meta-llama/Llama-3.3', providers)).toEqual({ model: 'meta-llama/Llama-3.3' });
    expect(splitModel('kimi-k2.6', providers)).toEqual({ model: 'kimi-k2.6' });
  });

  it('takes times as ISO 8601, epoch seconds or epoch milliseconds', () => {
    expect(parseTime('2026-01-01', 'from')).toBe(Date.UTC(2026, 0, 1));
    expect(parseTime('1767225600', 'from')).toBe(1767225600000);
    expect(parseTime('1767225600000', 'from')).toBe(1767225600000);
  });

  it('answers 400 naming the parameter', () => {
    rejects(() => parseListQuery(params('limit=abc'), providers), 'limit');
    rejects(() => parseListQuery(params('status=600'), providers), 'status');
    rejects(() => parseListQuery(params('to=soon'), providers), 'to');
    // Epoch digits that no Date can hold (the usage API answered 500 for them).
    rejects(() => parseUsageQuery(params(`from=0&to=${'9'.repeat(400)}`), providers), 'to');
    rejects(() => parseListQuery(params('from=253402300800000'), providers), 'from');
    rejects(() => parseListQuery(params('bodies=maybe'), providers), 'bodies');
    rejects(() => parseListQuery(params('cursor=%%%'), providers), 'cursor');
    rejects(() => parseUsageQuery(params('interval=week'), providers), 'interval');
  });

  it('refuses an unknown parameter, naming it and what is accepted, rather than ignore the filter', () => {
    try {
      parseListQuery(params('customr=acme'), providers);
      throw new Error('expected a 400');
    } catch (err) {
      expect((err as GatewayError).param).toBe('customr');
      expect((err as GatewayError).message).toBe(
        'Unknown parameter `customr` for GET /v1/logs (did you mean `customer`?); it accepts: model, provider, key_id, key, customer, customer_identifier, status, source, from, to, limit, cursor, bodies.',
      );
    }
    rejects(() => parseUsageQuery(params('groupby=customer'), providers), 'groupby');
    // Usage has no pages and logs no groups.
    rejects(() => parseUsageQuery(params('limit=10'), providers), 'limit');
    rejects(() => parseListQuery(params('group_by=model'), providers), 'group_by');
    rejects(() => parseListQuery(params('_=1700000000'), providers), '_');
  });

  it('refuses a parameter given twice, and a filter under both its names', () => {
    rejects(() => parseListQuery(params('customer=acme&customer=globex'), providers), 'customer');
    rejects(() => parseUsageQuery(params('group_by=model&group_by=customer'), providers), 'group_by');
    rejects(() => parseListQuery(params('key_id=key_1&key=key_2'), providers), 'key');
    rejects(() => parseListQuery(params('customer=a&customer_identifier=b'), providers), 'customer_identifier');
    // Each name once is fine, including the other names.
    expect(parseListQuery(params('key=key_1&customer_identifier=acme'), providers)).toMatchObject({ key_id: 'key_1', customer: 'acme' });
  });

  it('round-trips cursors and refuses forged ones', () => {
    const position = { created_at_ms: 1767225600123, id: 'abc-1' };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
    rejects(() => decodeCursor(Buffer.from('["x", 1]').toString('base64url')), 'cursor');
  });

  it('gives usage a default window and grouping', () => {
    const now = Date.UTC(2026, 5, 1);
    expect(parseUsageQuery(params(''), providers, now)).toEqual({ group_by: 'model', interval: 'day', from_ms: now - 30 * 86_400_000, to_ms: now });
    expect(parseUsageQuery(params('interval=hour&group_by=customer'), providers, now)).toMatchObject({ group_by: 'customer', from_ms: now - 86_400_000 });
  });
});

describe('filters on text the store keeps with U+FFFD for NUL', () => {
  it('looks a NUL up as the store wrote it, so a filter by the value a record was sent with finds it', () => {
    expect(parseListQuery(params('customer=a%00b&key_id=k%00&provider=p%00&model=m%00'), providers)).toMatchObject({
      customer: 'a\ufffdb',
      key_id: 'k\ufffd',
      provider: 'p\ufffd',
      model: 'm\ufffd',
    });
  });
});
