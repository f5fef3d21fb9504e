import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

/**
 * An upstream that labels its answer an event stream but sends no event, only a bare error object
 * (as Moonshot's error events look without their `data:`): the client must get what it said.
 */
let upstream: Server;
let broken: Server;
let healthy: Server;
let stack: Stack;

/** An upstream on loopback that answers every request with `answer`. */
async function serve(answer: (res: ServerResponse) => void): Promise<Server> {
  const server = createServer((req, res) => void req.resume().on('end', () => answer(res)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}
const baseOf = (server: Server): string => `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;

beforeAll(async () => {
  upstream = await serve((res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end('{"error":{"message":"The engine is currently overloaded, please try again later","type":"engine_overloaded_error"}}\n');
  });
  broken = await serve((res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end('<html><body>502 Bad Gateway</body></html>');
  });
  healthy = await serve((res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const chunk = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: 'ok from good' }, finish_reason: 'stop' }] };
    res.end(`data: ${JSON.stringify(chunk)}\n\ndata: [DONE]\n\n`);
  });
  stack = await startStack({
    configYaml: `
router: { retries: 2, backoff_ms: 0, cooldown: { fails: 1000 } }
providers:
  moonshot:
    regions: { global: ${baseOf(upstream)}, cn: ${baseOf(upstream)} }
    credentials: [{ name: main, api_key: sk-upstream, region: global }]
  acme:
    type: openai-compatible
    base_url: ${baseOf(broken)}
    credentials:
      - { name: bad, api_key: sk-bad, weight: 1000 }
      - { name: good, api_key: sk-good, base_url: ${baseOf(healthy)}, weight: 1 }
`,
  });
});
afterAll(async () => {
  await stack.close();
  for (const server of [upstream, broken, healthy]) await new Promise((resolve) => server.close(resolve));
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

  it('is a failure before the first event when it is not JSON either, so the router tries elsewhere', async () => {
    let brokenCalls = 0;
    broken.on('request', () => brokenCalls++);
    for (let i = 0; i < 3; i++) {
      const stream = await stack.client.chat.completions.create({ model: 'acme/any', stream: true, messages: [{ role: 'user', content: 'hi' }] });
      let content = '';
      for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? '';
      expect(content).toBe('ok from good');
    }
    // Weighted 1000 to 1, the broken credential was tried first, and each time the request moved on.
    expect(brokenCalls).toBeGreaterThan(0);
  });
});
