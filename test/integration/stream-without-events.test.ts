import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

/**
 * An upstream that labels its answer an event stream but sends no event, only a bare error object
 * (as Moonshot's error events look without their `data:`): the client must get what it said.
 */
let upstream: Server;
let stack: Stack;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume().on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('{"error":{"message":"The engine is currently overloaded, please try again later","type":"engine_overloaded_error"}}\n');
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
  stack = await startStack({
    configYaml: `
router: { retries: 0, cooldown: { fails: 1000 } }
providers:
  moonshot:
    regions: { global: ${base}, cn: ${base} }
    credentials: [{ name: main, api_key: sk-upstream, region: global }]
`,
  });
});
afterAll(async () => {
  await stack.close();
  await new Promise((resolve) => upstream.close(resolve));
});

describe('a stream with no event in it', () => {
  it("reaches the client as the upstream's own error, not as a stream that closed early", async () => {
    const error = await stack.client.chat.completions
      .create({ model: 'moonshot/kimi-k2.6', stream: true, messages: [{ role: 'user', content: 'hi' }] })
      .then(async (stream) => {
        for await (const chunk of stream) void chunk;
        return undefined;
      })
      .catch((err: unknown) => err as { status?: number; message: string });
    expect(error).toBeDefined();
    expect(error!.status).toBe(429);
    expect(error!.message).toContain('The engine is currently overloaded');
    expect(error!.message).not.toContain('closed the stream before it finished');
  });
});
