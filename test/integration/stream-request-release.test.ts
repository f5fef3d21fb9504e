import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import OpenAI from 'openai';
import { parseConfigText } from '../../src/config/index.js';
import { createGateway } from '../../src/gateway.js';
import type { Gateway } from '../../src/gateway.js';
import { prepareBody } from '../../src/logs/bodies/prepare-body.js';
import { MoonshotStreamTransformer } from '../../src/providers/moonshot/transform-stream.js';
import type { RequestOutcome } from '../../src/server/request-outcome.js';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator } from '../../src/sim/index.js';

/**
 * A stream lets go of its request once its first chunk is out, keeping what the log will store of
 * it. Preparing that copy costs time (~0.5 ms for a 100 KB conversation): it must come after the
 * first chunk has left, not between its write and Node's sending it.
 */
let sim: Simulator;
let gateway: Gateway;
let client: OpenAI;
const sockets = new Set<Socket>();
const prepared: { unsentOnAnySocket: boolean; request: unknown }[] = [];
/** When the provider was told the first chunk had gone: whether bytes were still unsent then. */
const told: boolean[] = [];
// Corked, or bytes still queued in Node: the first chunk has not gone to the client yet.
const unsentOnAnySocket = () => [...sockets].some((s) => s.writableCorked > 0 || s.writableLength > 0);
const outcomes: RequestOutcome[] = [];

beforeAll(async () => {
  sim = await startSimulator({ quiet: true });
  const config = parseConfigText(`providers: { moonshot: { regions: { global: ${sim.globalBaseUrl}, cn: ${sim.cnBaseUrl} }, api_key: sk-release-0001 } }\n`, 'test.yaml', {});
  gateway = createGateway(config, {
    observers: [{ onRequestFinished: (o) => outcomes.push(o) }],
    requestForLog: (request, text) => {
      prepared.push({ unsentOnAnySocket: unsentOnAnySocket(), request });
      return prepareBody(request, { mode: 'full', maxBytes: 64 * 1024 }, text);
    },
  });
  gateway.server.on('connection', (s: Socket) => sockets.add(s).size);
  const firstChunkSent = MoonshotStreamTransformer.prototype.firstChunkSent;
  vi.spyOn(MoonshotStreamTransformer.prototype, 'firstChunkSent').mockImplementation(function (this: MoonshotStreamTransformer) {
    told.push(unsentOnAnySocket());
    firstChunkSent.call(this);
  });
  const url = await gateway.listen(0, '127.0.0.1');
  client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'test-caller', maxRetries: 0 });
});
afterAll(async () => {
  vi.restoreAllMocks();
  await gateway.close();
  await sim.close();
});

describe("a stream's request, prepared for its log record", () => {
  it('is prepared once the first chunk has left (the provider told then too), and the outcome carries that copy instead of the request', async () => {
    const messages = [{ role: 'user' as const, content: `${'A long question. '.repeat(400)}[[sim:tokens=5]] [[sim:token_delay=20]]` }];
    const { data, response } = await client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages, stream: true }).withResponse();
    let content = '';
    for await (const chunk of data) content += chunk.choices[0]?.delta?.content ?? '';
    expect(content).not.toBe('');

    expect(told).toEqual([false]);
    expect(prepared).toHaveLength(1);
    expect(prepared[0]!.unsentOnAnySocket).toBe(false);
    expect((prepared[0]!.request as { messages: unknown }).messages).toEqual(messages);
    const outcome = outcomes.find((o) => o.requestId === response.headers.get('x-moongate-request-id'))!;
    expect(outcome.request).toBeUndefined();
    expect(outcome.requestText).toBeUndefined();
    const json = outcome.requestJson!;
    expect(JSON.parse(typeof json === 'string' ? json : json.bytes.toString('utf8')).messages).toEqual(messages);
  });

  it('is left to the log writer for an answer that is not streamed', async () => {
    const before = prepared.length;
    const { response } = await client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi [[sim:tokens=3]]' }] }).withResponse();
    expect(prepared.length).toBe(before);
    expect(told).toHaveLength(1);
    const outcome = outcomes.find((o) => o.requestId === response.headers.get('x-moongate-request-id'))!;
    expect(outcome.requestJson).toBeUndefined();
    expect(outcome.request).toMatchObject({ model: 'moonshot/kimi-k2.6' });
  });
});
