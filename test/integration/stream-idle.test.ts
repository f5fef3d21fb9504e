import { createServer, request } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainedOrClosed } from '../helpers/drained.js';
import { startStack } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

/**
 * router.idle_timeout_ms measures the upstream's silence, and only that: a client that stops
 * reading for a while (its back-pressure pauses the upstream read), or an upstream that sends
 * only SSE comments (`: keepalive`) while it thinks, must not be cut as "no data from upstream".
 */
// The gateway runs in this process: an event loop stalled past the idle timeout, less the gap
// between upstream writes, cuts the stream. Comments every 100 ms against 1.2 s leave a loaded
// machine most of a second.
const IDLE_MS = 1_200;
const COMMENT_EVERY_MS = 100;
const event = (content: string): string =>
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content } }] })}\n\n`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let upstream: Server;
let stack: Stack;

/** `big`: 8 MB of content as fast as it is read. `thinking`: one event, comments for 2 × the idle time, one event. */
async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { messages } = JSON.parse(await new Promise<string>((resolve) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString())).on('end', () => resolve(text));
  })) as { messages: { content: string }[] };
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  if (messages[0]!.content === 'big') {
    const chunk = event('x'.repeat(8 * 1024));
    for (let sent = 0; sent < 8 * 1024 * 1024 && !res.destroyed; sent += chunk.length) if (!res.write(chunk)) await drainedOrClosed(res);
  } else {
    res.write(event('thinking…'));
    for (let i = 0; i < (2 * IDLE_MS) / COMMENT_EVERY_MS; i++) {
      await sleep(COMMENT_EVERY_MS);
      res.write(': keepalive\n\n');
    }
    res.write(event(' done'));
  }
  res.end('data: [DONE]\n\n');
}

beforeAll(async () => {
  upstream = createServer((req, res) => void answer(req, res));
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  stack = await startStack({
    configYaml: `
router: { retries: 0, idle_timeout_ms: ${IDLE_MS}, cooldown: { fails: 1000 } }
logging: { bodies: off }
providers:
  upstream:
    base_url: http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1
    credentials: [{ name: main, api_key: sk-upstream }]
`,
  });
});
afterAll(async () => {
  await stack.close();
  await new Promise((resolve) => upstream.close(resolve));
});

/** Streams `content`; `pauseMs` after the first bytes the client stops reading for that long. */
async function stream(content: string, pauseMs = 0): Promise<string> {
  const body = JSON.stringify({ model: 'upstream/any', stream: true, messages: [{ role: 'user', content }] });
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(`${stack.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' } }, resolve);
    req.on('error', reject);
    req.end(body);
  });
  let text = '';
  res.on('data', (d: Buffer) => (text += d.toString()));
  if (pauseMs > 0) {
    await new Promise((resolve) => res.once('data', resolve));
    res.pause();
    await sleep(pauseMs);
    res.resume();
  }
  await new Promise((resolve) => res.on('end', resolve));
  return text;
}

describe('the idle timeout', () => {
  it('does not cut a stream while the client is not reading (it is not the upstream that is silent)', async () => {
    const text = await stream('big', IDLE_MS * 2);
    expect(text).not.toContain('"error"');
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(text.length).toBeGreaterThan(8 * 1024 * 1024);
  });

  it('does not cut a stream whose upstream sends only comments for a while', async () => {
    const text = await stream('thinking');
    expect(text).not.toContain('"error"');
    expect(text).toContain(' done');
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });
});
