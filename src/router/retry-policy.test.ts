import { describe, expect, it } from 'vitest';
import { GatewayError } from '../server/gateway-error.js';
import { OwnFailure, judgeFailure, retryAfter } from './retry-policy.js';

const error = (status: number, type?: string, code?: string) => new GatewayError(status, 'x', { ...(type ? { type } : {}), ...(code ? { code } : {}) });

describe('judgeFailure', () => {
  it("disables a configured key that is rejected or has no money left (Moonshot's and OpenAI's ways of saying so), and moves on", () => {
    for (const e of [error(401), error(429, 'exceeded_current_quota_error'), error(429, 'insufficient_quota', 'insufficient_quota')]) {
      expect(judgeFailure(e, false)).toEqual({ retryable: true, effect: 'disable_credential' });
    }
  });

  it('disables a configured key with no money left whatever the status it came with (Moonshot has answered it as a 403)', () => {
    for (const e of [error(403, 'exceeded_current_quota_error'), error(403, 'insufficient_quota', 'insufficient_quota'), error(400, 'exceeded_current_quota_error')]) {
      expect(judgeFailure(e, false)).toEqual({ retryable: true, effect: 'disable_credential' });
      expect(judgeFailure(e, true)).toEqual({ retryable: false, effect: 'none' });
    }
    // A plain 403 is still the request's.
    expect(judgeFailure(error(403, 'permission_denied_error'), false)).toEqual({ retryable: false, effect: 'answered' });
  });

  it("returns a caller's own rejected or empty key at once, changing nothing shared", () => {
    for (const e of [error(401), error(429, 'exceeded_current_quota_error'), error(429, 'insufficient_quota', 'insufficient_quota')]) {
      expect(judgeFailure(e, true)).toEqual({ retryable: false, effect: 'none' });
    }
  });

  it('rests a deployment on a plain 429 and counts 5xx against it; the request itself is the problem otherwise', () => {
    expect(judgeFailure(error(429, 'rate_limit_reached_error'), false)).toMatchObject({ retryable: true, effect: 'cool' });
    expect(judgeFailure(error(503), false)).toMatchObject({ retryable: true, effect: 'unhealthy' });
    expect(judgeFailure(error(400), false)).toEqual({ retryable: false, effect: 'answered' });
    expect(judgeFailure(error(499), false)).toEqual({ retryable: false, effect: 'none' });
  });

  it("knows the gateway's own failures by their class, not their code, which an upstream may use too", () => {
    for (const code of ['internal_error', 'request_timeout']) {
      expect(judgeFailure(new OwnFailure(code === 'internal_error' ? 500 : 504, 'x', { code }), false)).toEqual({ retryable: false, effect: 'none' });
      expect(judgeFailure(error(code === 'internal_error' ? 500 : 504, 'api_error', code), false)).toMatchObject({ retryable: true, effect: 'unhealthy' });
    }
  });

  it("retries every server error but 501 elsewhere: Cloudflare's 520–524 and an overloaded 529 count against the deployment", () => {
    for (const status of [408, 500, 502, 503, 504, 505, 520, 521, 522, 523, 524, 529, 599]) {
      expect(judgeFailure(error(status), false), String(status)).toMatchObject({ retryable: true, effect: 'unhealthy' });
    }
    for (const status of [400, 403, 404, 409, 413, 422, 501]) {
      expect(judgeFailure(error(status), false), String(status)).toEqual({ retryable: false, effect: 'answered' });
    }
  });
});

describe('retryAfter', () => {
  const limited = (headers: Record<string, string>): GatewayError => new GatewayError(429, 'slow down', { type: 'rate_limit_error', headers });

  it('reads retry-after in seconds', () => {
    expect(retryAfter(limited({ 'retry-after': '3' }))).toBe(3000);
  });

  it('prefers retry-after-ms, as the OpenAI SDKs do', () => {
    expect(retryAfter(limited({ 'retry-after-ms': '1500' }))).toBe(1500);
    expect(retryAfter(limited({ 'retry-after': '3', 'retry-after-ms': '1500' }))).toBe(1500);
  });

  it('falls back to retry-after when retry-after-ms is not a number', () => {
    expect(retryAfter(limited({ 'retry-after': '3', 'retry-after-ms': 'soon' }))).toBe(3000);
    expect(retryAfter(limited({ 'retry-after-ms': ' ' }))).toBeUndefined();
  });
});
