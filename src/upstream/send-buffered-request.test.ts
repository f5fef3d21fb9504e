import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { UpstreamPools } from './pool.js';
import { sendBufferedRequest } from './send-buffered-request.js';
import type { UpstreamRequest } from './send-request.js';

// A loopback upstream whose behaviour is picked by path.
const routes: Record<string, (res: ServerResponse, body: string) => void> = {
  '/v1/echo': (res, body) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    // Several writes: the answer arrives in more than one chunk.
    res.write('{"echo":');
    res.write(JSON.stringify(body));
    res.end('}');
  },
  '/v1/bom': (res) => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.write(Buffer.from([0xef, 0xbb]));
    res.end(Buffer.concat([Buffer.from([0xbf]), Buffer.from('{"ok":"é"}')]));
  },
  '/v1/teapot': (res) => {
    res.writeHead(418, { 'content-type': 'application/json', 'retry-after': '7' });
    res.end('{"error":{"message":"short and stout"}}');
  },
  '/v1/cut': (res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
    res.write('{"partial":');
    setTimeout(() => res.socket?.destroy(), 20);
  },
  '/v1/endless': (res) => {
    // A body that never ends: 64 KB a tick until the connection is closed.
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const timer = setInterval(() => res.write(chunk), 1);
    res.on('close', () => {
      clearInterval(timer);
      endlessClosed = true;
    });
  },
  '/v1/slow': (res) => {
    const timer = setTimeout(() => res.writeHead(200).end('{}'), 2_000);
    res.on('close', () => clearTimeout(timer));
  },
};

let server: Server;
let endlessClosed = false;
let baseUrl: string;
const pools = new UpstreamPools();

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const route = routes[req.url ?? ''];
      if (route) route(res, body);
      else res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/`;
});

afterAll(async () => {
  await pools.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function request(path: string, overrides: Partial<UpstreamRequest> = {}): UpstreamRequest {
  return { baseUrl, path, headers: { 'content-type': 'application/json' }, body: '{"q":1}', signal: new AbortController().signal, timeoutMs: 5_000, providerName: 'up', ...overrides };
}

describe('sendBufferedRequest', () => {
  it('sends the body under the base URL’s path and collects the whole answer', async () => {
    const res = await sendBufferedRequest(pools, request('/echo'));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(JSON.parse(res.text)).toEqual({ echo: '{"q":1}' });
    expect(res.headersAt).toBeGreaterThan(0);
  });

  it('drops a byte-order mark that opens the answer (JSON may be parsed ignoring one), even split between reads', async () => {
    const res = await sendBufferedRequest(pools, request('/bom'));
    expect(res.text).toBe('{"ok":"é"}');
    expect(JSON.parse(res.text)).toEqual({ ok: 'é' });
  });

  it('gives non-2xx answers with their body and headers, for the provider to map', async () => {
    const res = await sendBufferedRequest(pools, request('/teapot'));
    expect(res).toMatchObject({ status: 418, text: '{"error":{"message":"short and stout"}}' });
    expect(res.headers['retry-after']).toBe('7');
  });

  it('a connection cut while reading is a 502 upstream_incomplete', async () => {
    await expect(sendBufferedRequest(pools, request('/cut'))).rejects.toMatchObject({
      status: 502,
      code: 'upstream_incomplete',
      message: expect.stringContaining('up: the connection broke while reading the answer'),
    });
  });

  it('an unreachable host is a 502 that names it', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(sendBufferedRequest(pools, request('/echo', { baseUrl: `http://127.0.0.1:${port}/v1` }))).rejects.toMatchObject({
      status: 502,
      code: 'upstream_unreachable',
      message: expect.stringContaining(`127.0.0.1:${port}`),
    });
  });

  it('stops waiting when the signal is aborted, before or during the call', async () => {
    const before = new AbortController();
    before.abort();
    await expect(sendBufferedRequest(pools, request('/echo', { signal: before.signal }))).rejects.toMatchObject({ status: 499 });

    const during = new AbortController();
    const started = performance.now();
    setTimeout(() => during.abort(), 50);
    await expect(sendBufferedRequest(pools, request('/slow', { signal: during.signal }))).rejects.toMatchObject({ status: 499 });
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it('gives up after the headers timeout', async () => {
    await expect(sendBufferedRequest(pools, request('/slow', { timeoutMs: 100 }))).rejects.toMatchObject({ status: 504, code: 'upstream_timeout' });
  });

  it('stops reading a body past its limit: a 502 invalid_upstream_response, and the connection closed', async () => {
    await expect(sendBufferedRequest(pools, request('/endless'), 1024 * 1024)).rejects.toMatchObject({
      status: 502,
      code: 'invalid_upstream_response',
      message: expect.stringContaining('up: answered with a body larger than 1 MB'),
    });
    await vi.waitFor(() => expect(endlessClosed).toBe(true));
    // The pool is still of use.
    expect((await sendBufferedRequest(pools, request('/echo'))).status).toBe(200);
  });
});
