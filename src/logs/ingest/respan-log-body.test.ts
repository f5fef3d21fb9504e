import { describe, expect, it } from 'vitest';
import type { GatewayError } from '../../server/gateway-error.js';
import { parseRespanLog } from './respan-log-body.js';

function refusal(body: unknown): GatewayError | undefined {
  try {
    parseRespanLog(body);
  } catch (e) {
    return e as GatewayError;
  }
  return undefined;
}

/**
 * Respan's text fields are bounded as POST /v1/logs's are (10,000 characters): a megabyte-long
 * customer id was stored, then came back in every /v1/usage?group_by=customer answer.
 */
describe("Respan's text fields are bounded", () => {
  const long = 'x'.repeat(10_001);
  it.each([
    ['customer_identifier', { customer_identifier: long }],
    ['customer_params.customer_identifier', { customer_params: { customer_identifier: long } }],
    ['trace_unique_id', { trace_unique_id: long }],
    ['error_message', { error_message: long }],
    ['provider_id', { provider_id: long }],
    ['thread_identifier', { thread_identifier: long }],
  ])('one too long is a 400 naming %s', (param, fields) => {
    expect(refusal({ model: 'kimi-k2.6', ...fields })).toMatchObject({ status: 400, code: 'invalid_log', param });
  });

  it('takes them up to the bound, numbers as identifiers included', () => {
    const fine = 'x'.repeat(10_000);
    expect(parseRespanLog({ model: 'kimi-k2.6', customer_identifier: fine, trace_unique_id: fine, error_message: fine, thread_identifier: 42 })).toMatchObject({
      customer_identifier: fine,
      thread_identifier: '42',
    });
  });
});
