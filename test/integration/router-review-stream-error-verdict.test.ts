import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postRaw, startGatewayOn } from '../helpers/stack.js';
import { NO_SIM, listenLoopback } from '../helpers/loopback-upstream.js';
import type { LoopbackUpstream } from '../helpers/loopback-upstream.js';

/**
 * A stream that ends with an error event after it started counts against its deployment's
 * breaker, but only when the error says the deployment is unwell. Moonshot's content filter stops
 * a stream whose output it judges high risk (`content_filter`, a 400 under its own status): that
 * is about the request, and a few such streams at once must not rest the deployment for every
 * other caller.
 */
let errorEvent = '';
let upstream: LoopbackUpstream;

beforeAll(async () => {
  upstream = await listenLoopback((req, res) => {
    req.resume().on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"kimi-k2.6","choices":[{"index":0,"delta":{"content":"Hello"}}]}\n\n');
      // Ended once every stream of the burst has started (each start counts as a success).
      setTimeout(() => res.end(`data: ${errorEvent}\n\n`), 500);
    });
  });
});
afterAll(() => upstream.close());
const stream = (url: string) => postRaw(`${url}/v1/chat/completions`, JSON.stringify({ model: 'moonshot/kimi-k2.6', stream: true, messages: [{ role: 'user', content: 'hi' }] }));
const state = async (url: string): Promise<string> => ((await (await fetch(`${url}/health/ready`)).json()) as { credentials: { state: string }[] }).credentials[0]!.state;

/** Three streams at once, each ending with `event`; then the deployment's state. */
async function burst(event: string): Promise<string> {
  errorEvent = event;
  const gw = await startGatewayOn(NO_SIM, `router: { retries: 0, cooldown: { fails: 3, seconds: 30 } }\nproviders:\n  moonshot:\n    regions: { global: ${upstream.base}, cn: ${upstream.base} }\n    credentials: [{ name: a, api_key: sk-a }]\n`);
  try {
    const answers = await Promise.all([stream(gw.url), stream(gw.url), stream(gw.url)]);
    for (const answer of answers) expect(String(answer.json)).toContain(JSON.parse(event).error.type);
    return await state(gw.url);
  } finally {
    await gw.close();
  }
}

describe('a stream that fails after it started', () => {
  it('stopped by the content filter: the deployment stays in rotation', async () => {
    expect(await burst('{"error":{"type":"content_filter","message":"The response was filtered due to high risk"}}')).toBe('ok');
  });

  it('stopped by a caller mistake found mid-stream: the deployment stays in rotation', async () => {
    expect(await burst('{"error":{"type":"invalid_request_error","message":"Invalid request: exceeded model token limit"}}')).toBe('ok');
  });

  it('stopped by a server error: counted, and the deployment rests after cooldown.fails of them', async () => {
    expect(await burst('{"error":{"type":"server_error","message":"Internal server error"}}')).toBe('cooling_down');
  });
});
