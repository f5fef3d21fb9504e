import { describe, expect, it } from 'vitest';
import { methodNotAllowed } from './gateway-error.js';

describe('methodNotAllowed', () => {
  it('names the methods a route takes, adding HEAD to allow wherever GET is taken', () => {
    const e = methodNotAllowed('DELETE', '/v1/usage', ['GET']);
    expect(e.status).toBe(405);
    expect(e.message).toBe('DELETE is not allowed on /v1/usage; use GET.');
    expect(e.headers).toEqual({ allow: 'GET, HEAD' });
    expect(e.toBody().error).toMatchObject({ type: 'invalid_request_error', code: 'method_not_allowed' });
    expect(methodNotAllowed('PUT', '/v1/logs', ['GET', 'POST']).headers.allow).toBe('GET, POST, HEAD');
    expect(methodNotAllowed('GET', '/v1/chat/completions', ['POST']).headers.allow).toBe('POST');
    expect(methodNotAllowed('POST', '/x', ['GET', 'HEAD']).headers.allow).toBe('GET, HEAD');
  });
});
