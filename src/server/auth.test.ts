import { describe, expect, it } from 'vitest';
import type { VirtualKey } from '../keys/virtual-key.js';
import type { IncomingMessage } from 'node:http';
import type { VirtualKeys } from '../keys/virtual-keys.js';
import { authenticate, isAddressOrLocalhost, isLoopbackHost, isOperator, requireAdmin } from './auth.js';
import type { Caller } from './auth.js';

const key = { id: 'k1' } as VirtualKey;

describe('isOperator', () => {
  it('is the master key, or in open mode a caller on this machine; never a gateway key', () => {
    const cases: [Caller, boolean][] = [
      [{ kind: 'master' }, true],
      [{ kind: 'open', token: undefined, local: true }, true],
      [{ kind: 'open', token: 'sk-provider-key', local: false }, false],
      [{ kind: 'key', key }, false],
    ];
    for (const [caller, operator] of cases) {
      expect(isOperator(caller)).toBe(operator);
      if (operator) expect(() => requireAdmin(caller)).not.toThrow();
      else expect(() => requireAdmin(caller)).toThrow(/needs the master key/);
    }
  });
});

describe('open mode against web pages (CSRF, DNS rebinding)', () => {
  const keys = { authenticate: async () => key } as unknown as VirtualKeys;
  const request = (headers: Record<string, string>, remoteAddress = '127.0.0.1') => ({ headers, rawHeaders: rawHeadersOf(headers), socket: { remoteAddress } }) as unknown as IncomingMessage;

  it('refuses requests from pages of other sites, and serves clients that send no Origin', async () => {
    const refused: [origin: string, host: string][] = [
      ['https://attacker.example', '127.0.0.1:4000'],
      ['http://rebind.attacker.example:4000', '127.0.0.1:4000'],
      // A page served from some IP address is not the gateway's own.
      ['http://203.0.113.7', '127.0.0.1:4000'],
      ['http://[2001:db8::1]:8080', '127.0.0.1:4000'],
      // The gateway's own origin under a host name: what a DNS-rebinding page's requests look like.
      ['http://gpu-box:4000', 'gpu-box:4000'],
      ['null', '127.0.0.1:4000'],
      ['file://', '127.0.0.1:4000'],
    ];
    for (const [origin, host] of refused) {
      await expect(authenticate(request({ origin, host }), undefined, keys)).rejects.toMatchObject({ status: 403, code: 'cross_origin_refused' });
    }
    const served: [origin: string | undefined, host: string][] = [
      [undefined, '127.0.0.1:4000'],
      ['http://127.0.0.1:4000', '127.0.0.1:4000'],
      ['http://localhost:3000', '127.0.0.1:4000'],
      ['http://[::1]:4000', '[::1]:4000'],
      // The dashboard, from another machine, at the gateway's address.
      ['http://192.168.1.5:4000', '192.168.1.5:4000'],
    ];
    for (const [origin, host] of served) {
      const caller = await authenticate(request({ host, ...(origin ? { origin } : {}) }), undefined, keys);
      expect(caller.kind).toBe('open');
    }
  });

  it('counts as the operator only when addressed by a loopback name from this machine', async () => {
    const local = async (host: string, address?: string) => {
      const caller = await authenticate(request({ host }, address), undefined, keys);
      return caller.kind === 'open' && caller.local;
    };
    expect(await local('127.0.0.1:4000')).toBe(true);
    expect(await local('localhost:4000')).toBe(true);
    expect(await local('[::1]:4000', '::1')).toBe(true);
    expect(await local('rebind.attacker.example:4000')).toBe(false);
    expect(await local('192.168.1.5:4000')).toBe(false);
    expect(await local('127.0.0.1:4000', '192.168.1.7')).toBe(false);
  });

  it('does not apply with a master key: a page cannot send it', async () => {
    await expect(authenticate(request({ origin: 'https://attacker.example', authorization: 'Bearer master' }), 'master', keys)).resolves.toEqual({ kind: 'master' });
  });

  it('names loopback hosts and the origins a rebinding page cannot have', () => {
    expect(isLoopbackHost(undefined)).toBe(true);
    expect(isLoopbackHost('127.0.0.2')).toBe(true);
    expect(isLoopbackHost('LOCALHOST:4000')).toBe(true);
    expect(isLoopbackHost('127.0.0.1.attacker.example')).toBe(false);
    expect(isAddressOrLocalhost('10.0.0.1')).toBe(true);
    expect(isAddressOrLocalhost('[fe80::1]')).toBe(true);
    expect(isAddressOrLocalhost('moongate.internal')).toBe(false);
  });
});

describe('the master key', () => {
  const keys = { authenticate: async () => key } as unknown as VirtualKeys;
  const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` }, rawHeaders: ['Authorization', `Bearer ${token}`], socket: { remoteAddress: '127.0.0.1' } }) as unknown as IncomingMessage;
  const master = 'mg-master-key-0123456789';
  const keyShaped = `mg-${'k'.repeat(43)}`;

  it('is recognised only whole: not a prefix, not longer, not another key of the same length', async () => {
    expect(await authenticate(bearer(master), master, keys)).toEqual({ kind: 'master' });
    for (const other of [master.slice(0, -1), `${master}0`, master.replace(/9$/, '8')]) {
      expect(await authenticate(bearer(other), master, keys)).not.toEqual({ kind: 'master' });
    }
  });

  it('sends gateway keys to the key store whether or not the master key looks like one', async () => {
    const gatewayKey = `mg-${'g'.repeat(43)}`;
    for (const m of [master, 'plain-master-key-0123456789', keyShaped]) {
      for (const token of ['mg-some-gateway-key', gatewayKey]) expect(await authenticate(bearer(token), m, keys), `${token} with ${m}`).toEqual({ kind: 'key', key });
      expect(await authenticate(bearer(m), m, keys), m).toEqual({ kind: 'master' });
    }
  });

  it('is recognised when it has the shape of a gateway key, and only whole', async () => {
    expect(await authenticate(bearer(keyShaped), keyShaped, keys)).toEqual({ kind: 'master' });
    expect(await authenticate(bearer(`mg-${'k'.repeat(42)}j`), keyShaped, keys)).toEqual({ kind: 'key', key });
  });
});

describe('the Authorization header', () => {
  const keys = { authenticate: async () => key } as unknown as VirtualKeys;
  const request = (authorization: string[]) =>
    ({
      headers: { authorization: authorization[0], host: '127.0.0.1:4000' },
      rawHeaders: [...authorization.flatMap((a, i) => [i % 2 === 0 ? 'Authorization' : 'authorization', a]), 'Host', '127.0.0.1:4000'],
      socket: { remoteAddress: '127.0.0.1' },
    }) as unknown as IncomingMessage;

  it('takes the key after any run of spaces or tabs, in any case of "Bearer"', async () => {
    for (const header of ['Bearer master-key-0123456789', 'bearer master-key-0123456789', 'Bearer  master-key-0123456789', 'BEARER\tmaster-key-0123456789']) {
      expect(await authenticate(request([header]), 'master-key-0123456789', keys), header).toEqual({ kind: 'master' });
    }
    // Open mode passes a provider key through: it must not keep a space it began with.
    expect(await authenticate(request(['Bearer   sk-provider']), undefined, keys)).toMatchObject({ kind: 'open', token: 'sk-provider' });
  });

  it('refuses two different Authorization headers instead of using the first (a proxy in front may read the last)', async () => {
    const twice = request(['Bearer wrong-key', 'Bearer master-key-0123456789']);
    await expect(authenticate(twice, 'master-key-0123456789', keys)).rejects.toMatchObject({
      status: 400,
      type: 'invalid_request_error',
      code: 'invalid_authorization',
    });
    await expect(authenticate(request(['Bearer sk-a', 'Bearer sk-b']), undefined, keys)).rejects.toMatchObject({ status: 400 });
    // The same header sent twice says one thing.
    expect(await authenticate(request(['Bearer master-key-0123456789', 'Bearer master-key-0123456789']), 'master-key-0123456789', keys)).toEqual({ kind: 'master' });
  });
});

/** Node's raw headers (name, value, name, value…) for a headers object, as a client sent them. */
function rawHeadersOf(headers: Record<string, string>): string[] {
  return Object.entries(headers).flat();
}
