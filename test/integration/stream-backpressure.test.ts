import { createServer, request } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainedOrClosed } from '../helpers/drained.js';
import { startStack } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

/**
 * A slow client must slow the upstream down, not make the gateway hold the stream in memory:
 * an upstream that could send 256 MB as fast as it is read, a client that stops reading after
 * the first bytes, and the upstream must stall once the buffers on the way are full. A client
 * that reads slowly, pausing and resuming, must still get every event in order.
 */
const EVENT = `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'x'.repeat(8 * 1024) } }] })}\n\n`;
const LIMIT_BYTES = 256 * 1024 * 1024;

let upstream: Server;
/** Sends BOUNDED_EVENTS numbered events of 20 KB as fast as they are taken, then [DONE]. */
let bounded: Server;
const BOUNDED_EVENTS = 200;
const numbered = (n: number) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: `<${n}>${'y'.repeat(20_000)}` } }] })}\n\n`;
let written = 0;
let upstreamClosed = false;
let stack: Stack;

async function sendUntilClosed(res: ServerResponse): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.on('close', () => (upstreamClosed = true));
  while (!res.destroyed && written < LIMIT_BYTES) {
    written += EVENT.length;
    if (!res.write(EVENT)) await drainedOrClosed(res);
  }
  if (!res.destroyed) res.end('data: [DONE]\n\n');
}

beforeAll(async () => {
  upstream = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume().on('end', () => void sendUntilClosed(res));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const port = (upstream.address() as AddressInfo).port;
  bounded = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume().on('end', async () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (let i = 0; i < BOUNDED_EVENTS && !res.destroyed; i++) if (!res.write(numbered(i))) await drainedOrClosed(res);
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((resolve) => bounded.listen(0, '127.0.0.1', resolve));
  stack = await startStack({
    configYaml: `
router: { retries: 0, cooldown: { fails: 1000 } }
logging: { bodies: off }
providers:
  firehose:
    base_url: http://127.0.0.1:${port}/v1
    credentials: [{ name: main, api_key: sk-firehose }]
  bounded:
    base_url: http://127.0.0.1:${(bounded.address() as AddressInfo).port}/v1
    credentials: [{ name: main, api_key: sk-bounded }]
`,
  });
});
afterAll(async () => {
  await stack.close();
  await new Promise((resolve) => upstream.close(resolve));
  await new Promise((resolve) => bounded.close(resolve));
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A stream request to the gateway over node:http, whose response the test reads (or does not) as it likes. */
function askForStream(model: string): Promise<IncomingMessage> {
  const body = JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] });
  return new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(`${stack.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' } }, resolve);
    req.on('error', reject);
    req.end(body);
  });
}

describe('stream back-pressure', () => {
  it('stalls the upstream while the client does not read, and closes it when the client leaves', async () => {
    const res = await askForStream('firehose/any');
    expect(res.statusCode).toBe(200);
    await new Promise((resolve) => res.once('data', resolve));
    res.pause();

    await sleep(1_000);
    const stalledAt = written;
    await sleep(500);
    // Loopback socket buffers on both hops hold a few MB each; nothing else may pile up.
    expect(written - stalledAt).toBeLessThan(1024 * 1024);
    expect(stalledAt).toBeLessThan(64 * 1024 * 1024);

    res.destroy();
    const until = Date.now() + 3_000;
    while (!upstreamClosed && Date.now() < until) await sleep(20);
    expect(upstreamClosed).toBe(true);
    expect(written).toBeLessThan(LIMIT_BYTES);
  });

  it('gives a client that keeps pausing every event in order, then [DONE]', async () => {
    const res = await askForStream('bounded/any');
    expect(res.statusCode).toBe(200);
    res.setEncoding('utf8');
    let text = '';
    let reads = 0;
    res.on('data', (part: string) => {
      text += part;
      // Every few reads, stop for a moment: the gateway's writes back up, and it must wait and go on.
      if (++reads % 8 === 0) {
        res.pause();
        setTimeout(() => res.resume(), 20);
      }
    });
    await new Promise((resolve) => res.on('end', resolve));
    expect([...text.matchAll(/<(\d+)>/g)].map((m) => Number(m[1]))).toEqual([...Array(BOUNDED_EVENTS).keys()]);
    expect(text.endsWith('}\n\ndata: [DONE]\n\n')).toBe(true);
    expect(text).not.toContain('"error"');
  });
});
