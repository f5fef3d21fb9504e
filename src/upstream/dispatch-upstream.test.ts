import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dispatcher } from 'undici';
import { dispatchUpstream } from './dispatch-upstream.js';
import type { UpstreamPools } from './pool.js';
import { sendUpstreamRequest } from './send-request.js';
import { StopSwitch } from './stop-switch.js';
import { Pool } from './undici-pool.js';

/**
 * `onSent` tells the router when an attempt's request is out on a connected socket: only then may
 * its silence commit a stream early (keep-alives); a deployment still being connected to, which a
 * connect timeout may yet fail over from, must not be committed to.
 */
const CONNECT_DELAY_MS = 300;

let server: Server;
let origin: string;

beforeAll(async () => {
  server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/event-stream' }).end('data: [DONE]\n\n'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Pools whose connections take CONNECT_DELAY_MS to open, as to a far or overloaded host; `connectedAt` when they did. */
function slowPools(): { pools: UpstreamPools; connectedAt: () => number | undefined; close: () => Promise<void> } {
  let connectedAt: number | undefined;
  const pool = new Pool(origin, {
    connect: (options: { hostname: string; port: string }, done: (err: Error | null, socket: Socket | null) => void) => {
      setTimeout(() => {
        const socket = connect(Number(options.port), options.hostname);
        socket.once('connect', () => {
          connectedAt = performance.now();
          done(null, socket);
        });
        socket.once('error', (err) => done(err, null));
      }, CONNECT_DELAY_MS);
    },
  } as never);
  const pools = { poolFor: () => pool, close: async () => undefined } as unknown as UpstreamPools;
  return { pools, connectedAt: () => connectedAt, close: () => pool.destroy() };
}

describe('sendUpstreamRequest: onSent', () => {
  it('is called once the request goes out on a connected socket, not while connecting', async () => {
    const { pools, connectedAt, close } = slowPools();
    const sentAt: number[] = [];
    const startedAt = performance.now();
    try {
      const res = await sendUpstreamRequest(pools, {
        baseUrl: `${origin}/v1`,
        path: '/chat/completions',
        headers: { 'content-type': 'application/json' },
        body: '{}',
        signal: new StopSwitch().signal,
        timeoutMs: 5_000,
        providerName: 'test',
        onSent: () => sentAt.push(performance.now()),
      });
      expect(await res.body.text()).toBe('data: [DONE]\n\n');
    } finally {
      await close();
    }
    expect(sentAt).toHaveLength(1);
    expect(connectedAt()).toBeDefined();
    expect(sentAt[0]!).toBeGreaterThanOrEqual(connectedAt()!);
    expect(sentAt[0]! - startedAt).toBeGreaterThanOrEqual(CONNECT_DELAY_MS - 5);
  });

  it('is not called for a request stopped before it went out', async () => {
    const { pools, close } = slowPools();
    const stop = new StopSwitch();
    let sent = false;
    const pending = sendUpstreamRequest(pools, {
      baseUrl: `${origin}/v1`,
      path: '/chat/completions',
      headers: {},
      body: '{}',
      signal: stop.signal,
      timeoutMs: 5_000,
      providerName: 'test',
      onSent: () => (sent = true),
    });
    stop.abort(new Error('client gone'));
    await expect(pending).rejects.toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, CONNECT_DELAY_MS + 100));
    await close();
    expect(sent).toBe(false);
  });
});

/** One request (`body`) through `dispatchUpstream` to `at`: what the handler saw, once the answer has ended. */
async function dispatchTo(at: string, body: string | Buffer = '{}') {
  const pool = new Pool(at);
  const pools = { poolFor: () => pool, close: async () => undefined } as unknown as UpstreamPools;
  const seen = { statuses: [] as number[], contentType: undefined as unknown, body: '', rawHeadersWhileReading: [] as unknown[], controller: undefined as Dispatcher.DispatchController | undefined };
  try {
    await new Promise<void>((resolve, reject) => {
      dispatchUpstream(
        pools,
        { baseUrl: `${at}/v1`, path: '/chat/completions', headers: {}, body, signal: new StopSwitch().signal, timeoutMs: 5_000, providerName: 'test' },
        {
          onHeaders(c, status, headers) {
            seen.controller = c;
            seen.statuses.push(status);
            seen.contentType = headers['content-type'];
          },
          onData(chunk) {
            seen.rawHeadersWhileReading.push(seen.controller?.rawHeaders);
            seen.body += chunk.toString();
          },
          onEnd: resolve,
          onBodyError: reject,
        },
      ).catch(reject);
    });
  } finally {
    await pool.destroy();
  }
  return seen;
}

describe('dispatchUpstream', () => {
  it('does not leave the answer\'s raw headers on the controller once parsed: a stream would hold their Buffers to its end', async () => {
    const seen = await dispatchTo(origin);
    expect(seen.contentType).toBe('text/event-stream');
    expect(seen.body).toBe('data: [DONE]\n\n');
    expect(seen.rawHeadersWhileReading).toEqual([null]);
    expect(seen.controller?.rawHeaders).toBeNull();
  });

  it('sends a large body whole, with its content-length, not chunked', async () => {
    const received: { headers: Record<string, unknown>; bytes: Buffer }[] = [];
    const echo = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, bytes: Buffer.concat(chunks) });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const at = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
    const body = Buffer.from(JSON.stringify({ messages: [{ role: 'user', content: 'moon '.repeat(40_000) }] }));
    try {
      for (const sent of [body, body.toString()]) expect((await dispatchTo(at, sent)).statuses).toEqual([200]);
    } finally {
      await new Promise<void>((resolve) => echo.close(() => resolve()));
    }
    expect(received).toHaveLength(2);
    for (const r of received) {
      expect(r.headers['content-length']).toBe(String(body.length));
      expect(r.headers['transfer-encoding']).toBeUndefined();
      expect(r.bytes.equals(body)).toBe(true);
    }
  });

  it('passes over an informational answer: 103 Early Hints, then the 200 is the answer', async () => {
    const hinting = createServer((_req, res) => {
      res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    await new Promise<void>((resolve) => hinting.listen(0, '127.0.0.1', resolve));
    try {
      const seen = await dispatchTo(`http://127.0.0.1:${(hinting.address() as AddressInfo).port}`);
      expect(seen.statuses).toEqual([200]);
      expect(seen.body).toBe('{"ok":true}');
    } finally {
      await new Promise<void>((resolve) => hinting.close(() => resolve()));
    }
  });
});
