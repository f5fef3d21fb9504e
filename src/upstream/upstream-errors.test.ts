import { describe, expect, it } from 'vitest';
import { networkError } from './upstream-errors.js';

describe('networkError', () => {
  it('names a host that could not be reached as such', () => {
    const err = networkError('moonshot', 'api.example:443', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    expect(err).toMatchObject({ status: 502, code: 'upstream_unreachable', message: 'moonshot: could not reach api.example:443 (ECONNREFUSED)' });
  });

  it('says a host that took the request and hung up closed the connection, not that it could not be reached', () => {
    const closed = networkError('moonshot', 'api.example:443', Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }));
    expect(closed).toMatchObject({ status: 502, type: 'api_error', code: 'upstream_closed', message: 'moonshot: api.example:443 closed the connection before answering (UND_ERR_SOCKET: other side closed)' });
    const reset = networkError('moonshot', 'api.example:443', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    expect(reset.code).toBe('upstream_closed');
    const handshake = networkError('moonshot', 'api.example:443', Object.assign(new Error('Client network socket disconnected before secure TLS connection was established'), { code: 'ECONNRESET' }));
    expect(handshake.code).toBe('upstream_unreachable');
  });

  it('keeps timeouts and aborts apart', () => {
    expect(networkError('moonshot', 'h', { code: 'UND_ERR_HEADERS_TIMEOUT' })).toMatchObject({ status: 504, code: 'upstream_timeout' });
    expect(networkError('moonshot', 'h', { name: 'AbortError' })).toMatchObject({ status: 499, code: 'client_closed_request' });
  });
});
