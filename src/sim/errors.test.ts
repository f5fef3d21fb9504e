import { describe, expect, it } from 'vitest';
import { errorBody, scriptedError, statusForType, typeForStatus } from './errors.js';

describe('errors', () => {
  it('serialises without a code field', () => {
    expect(errorBody({ status: 401, type: 'invalid_authentication_error', message: 'Invalid Authentication' })).toBe(
      '{"error":{"message":"Invalid Authentication","type":"invalid_authentication_error"}}',
    );
  });

  it('maps statuses and types both ways', () => {
    expect(typeForStatus(429)).toBe('rate_limit_reached_error');
    expect(typeForStatus(503)).toBe('server_error');
    expect(statusForType('resource_not_found_error')).toBe(404);
    expect(statusForType('exceeded_current_quota_error')).toBe(429);
    expect(statusForType(undefined)).toBe(500);
  });

  it('fills Moonshot wording for scripted errors', () => {
    const rl = scriptedError({ status: 429, retryAfterSeconds: 3, org: 'org-x<ak-y>' });
    expect(rl.message).toBe('Your account org-x<ak-y> request reached organization max RPM: 3, please try again after 3 seconds');
    expect(scriptedError({ status: 429, type: 'engine_overloaded_error', org: '' }).message).toBe(
      'The engine is currently overloaded, please try again later',
    );
    expect(scriptedError({ status: 404, model: 'kimi-x', org: '' }).message).toBe('Not found the model kimi-x or Permission denied');
    expect(scriptedError({ status: 502, org: '' })).toEqual({ status: 502, type: 'server_error', message: 'Bad Gateway' });
    expect(scriptedError({ status: 500, message: 'boom', org: '' }).message).toBe('boom');
  });
});
