import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { PriceBook } from '../../pricing/price-book.js';
import { GatewayError } from '../../server/gateway-error.js';
import type { Store } from '../../store/store.js';
import type { LogWriter } from '../log-writer.js';
import { logRoutes } from './logs-routes.js';

const unusedStore = { logs: { list: async () => ({ records: [] }), get: async () => undefined, usage: async () => [] } } as unknown as Store;
const route = logRoutes({
  store: unusedStore,
  writer: {} as LogWriter,
  prices: new PriceBook({}, {}),
  bodies: { mode: 'full', maxBytes: 1024 },
  providerNames: new Set(),
  maxBodyBytes: 1024,
});
const req = { url: '/v1/logs' } as IncomingMessage;
const res = { writeHead: () => res, end: () => res } as unknown as ServerResponse;

describe('log routes', () => {
  it('serve logs in open mode to this machine only', async () => {
    for (const path of ['/v1/logs', '/v1/logs/some-id', '/v1/usage']) {
      const err = await route(req, res, path, 'GET', { kind: 'open', token: undefined, local: false }).catch((e: unknown) => e);
      expect(err, path).toBeInstanceOf(GatewayError);
      expect((err as GatewayError).status).toBe(403);
    }
    expect(await route(req, res, '/v1/logs', 'GET', { kind: 'open', token: undefined, local: true })).toBe(true);
  });

  it('leave other paths alone and refuse other methods', async () => {
    expect(await route(req, res, '/v1/models', 'GET', { kind: 'master' })).toBe(false);
    const err = await route(req, res, '/v1/usage', 'DELETE', { kind: 'master' }).catch((e: unknown) => e);
    expect((err as GatewayError).status).toBe(405);
  });
});
