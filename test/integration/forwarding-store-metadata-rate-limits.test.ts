import type { IncomingMessage, ServerResponse } from 'node:http';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GLOBAL_KEY, upstreamBody } from '../helpers/stack.js';
import { allLogs, startLogsStack } from '../helpers/logs-stack.js';
import type { LogsStack } from '../helpers/logs-stack.js';
import { listenLoopback } from '../helpers/loopback-upstream.js';
import type { LoopbackUpstream } from '../helpers/loopback-upstream.js';

/**
 * A loopback OpenAI (provider type `openai`) that records the bodies it gets and sends OpenAI's
 * rate-limit headers; Moonshot is the simulator, which sends none. `store: true` requests keep their
 * `metadata` for OpenAI only, and an answer carries the rate-limit headers of the attempt that
 * answered, never those of a failed one nor on an error.
 */
const LIMITS = {
  'x-ratelimit-limit-requests': '10000',
  'x-ratelimit-remaining-requests': '9999',
  'x-ratelimit-reset-requests': '6ms',
  'x-ratelimit-limit-tokens': '30000000',
  'x-ratelimit-remaining-tokens': '29999990',
  'x-ratelimit-reset-tokens': '0s',
};
const LIMIT_NAMES = Object.keys(LIMITS);
const metadata = { team: 'search', run: 'eval-7' };
const chunk = (extra: Record<string, unknown>): string => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', ...extra })}\n\n`;

let openai: LoopbackUpstream;
let received: Record<string, unknown>[] = [];
let stack: LogsStack;
let client: OpenAI;

function answer(req: IncomingMessage, res: ServerResponse): void {
  let text = '';
  req.on('data', (d: Buffer) => (text += d.toString())).on('end', () => {
    const body = JSON.parse(text) as { stream?: boolean; messages: { content: string }[] };
    received.push(body);
    if (req.url?.includes('/limited/')) {
      res.writeHead(429, { 'content-type': 'application/json', ...LIMITS, 'x-ratelimit-remaining-requests': '0', 'retry-after-ms': '1500' });
      res.end(JSON.stringify({ error: { message: 'Rate limit reached for requests', type: 'requests', code: 'rate_limit_exceeded' } }));
      return;
    }
    if (body.messages[0]?.content === 'fail') {
      // A failed attempt's headers must not reach the client after a fallback answered.
      res.writeHead(503, { 'content-type': 'application/json', ...LIMITS, 'x-ratelimit-remaining-requests': '0' });
      res.end(JSON.stringify({ error: { message: 'The server is overloaded', type: 'server_error', code: null } }));
      return;
    }
    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json', ...LIMITS });
      res.end(JSON.stringify({ id: 'x', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', ...LIMITS });
    res.write(chunk({ choices: [{ index: 0, delta: { content: 'ok' }, finish_reason: 'stop' }] }));
    res.write(chunk({ choices: [], usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 } }));
    res.end('data: [DONE]\n\n');
  });
}

beforeAll(async () => {
  openai = await listenLoopback(answer);
  stack = await startLogsStack({
    configYaml: `
router: { retries: 0, cooldown: { fails: 1000 } }
providers:
  openai: { base_url: ${openai.base}, credentials: [{ name: oa-main, api_key: sk-openai-0001 }] }
  compat: { base_url: ${openai.base}, api_key: sk-compat-0001 }
  limited: { base_url: ${openai.base}/limited, api_key: sk-limited-0001 }
  moonshot:
    regions: { global: \${SIM}/v1, cn: \${SIM}/cn/v1 }
    credentials: [{ name: main, api_key: ${GLOBAL_KEY}, region: global }]
`,
  });
  client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: 'open-mode', maxRetries: 0 });
});
afterEach(() => {
  received = [];
  stack.sim.clearFaults();
});
afterAll(async () => {
  await stack.close();
  await openai.close();
});

const user = (content: string) => [{ role: 'user' as const, content }];
type Extra = Record<string, unknown>;

/** A non-stream request; its answer's headers. */
async function ask(body: Extra): Promise<Headers> {
  const { response } = await client.chat.completions.create({ messages: user('hi'), ...body } as never).withResponse();
  return response.headers;
}

/** A stream read to its end; its answer's headers. */
async function askStream(body: Extra): Promise<Headers> {
  const { data, response } = await client.chat.completions.create({ messages: user('hi'), ...body, stream: true } as never).withResponse();
  for await (const c of data as unknown as AsyncIterable<unknown>) void c;
  return response.headers;
}

function limitsOf(headers: Headers): Record<string, string | null> {
  return Object.fromEntries(LIMIT_NAMES.map((name) => [name, headers.get(name)]));
}

const noLimits = Object.fromEntries(LIMIT_NAMES.map((name) => [name, null]));

describe.each([
  ['non-stream', ask],
  ['stream', askStream],
] as const)('%s', (_kind, send) => {
  it("OpenAI with store: true gets the body's metadata unchanged; the answer carries its rate-limit headers", async () => {
    const headers = await send({ model: 'openai/gpt-4o-mini', store: true, metadata });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ store: true, metadata });
    expect(limitsOf(headers)).toEqual(LIMITS);
    expect(headers.get('x-moongate-credential')).toBe('oa-main');
    expect(headers.get('x-moongate-adjusted') ?? '').not.toContain('metadata');
  });

  it('OpenAI without store: true does not get metadata (it is the gateway\'s own)', async () => {
    await send({ model: 'openai/gpt-4o-mini', metadata });
    expect(received[0]).not.toHaveProperty('metadata');
  });

  it('an OpenAI-compatible server does not get it even with store: true, and the drop is named', async () => {
    const headers = await send({ model: 'compat/m', store: true, metadata });
    expect(received[0]).not.toHaveProperty('metadata');
    expect(headers.get('x-moongate-adjusted')).toContain('metadata=dropped');
    // Rate-limit headers are the upstream's, whatever its type.
    expect(limitsOf(headers)).toEqual(LIMITS);
  });

  it('Moonshot does not get it; its answer has no rate-limit headers (it sends none)', async () => {
    const headers = await send({ model: 'moonshot/kimi-k2.6', store: true, metadata });
    expect(upstreamBody(stack.sim)).not.toHaveProperty('metadata');
    expect(headers.get('x-moongate-adjusted')).toContain('metadata=dropped');
    expect(limitsOf(headers)).toEqual(noLimits);
  });

  it('falling back from OpenAI to Moonshot: Moonshot does not get it, and the failed attempt\'s rate-limit headers stay behind', async () => {
    const headers = await send({ model: 'openai/gpt-4o-mini', fallbacks: ['moonshot/kimi-k2.6'], store: true, metadata, messages: user('fail') });
    expect(received[0]).toMatchObject({ metadata });
    expect(upstreamBody(stack.sim)).not.toHaveProperty('metadata');
    expect(headers.get('x-moongate-attempts')).toBe('2');
    expect(headers.get('x-moongate-provider')).toBe('moonshot');
    expect(headers.get('x-moongate-adjusted')).toContain('metadata=dropped');
    expect(limitsOf(headers)).toEqual(noLimits);
  });

  it('falling back from Moonshot to OpenAI: OpenAI gets it, and the answer carries its rate-limit headers', async () => {
    stack.sim.injectFault({ status: 503, times: 1 });
    const headers = await send({ model: 'moonshot/kimi-k2.6', fallbacks: ['openai/gpt-4o-mini'], store: true, metadata });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ store: true, metadata });
    expect(headers.get('x-moongate-attempts')).toBe('2');
    expect(headers.get('x-moongate-credential')).toBe('oa-main');
    expect(headers.get('x-moongate-adjusted') ?? '').not.toContain('metadata');
    expect(limitsOf(headers)).toEqual(LIMITS);
  });

  it('an upstream error passed on carries no rate-limit headers', async () => {
    const err = await send({ model: 'openai/gpt-4o-mini', messages: user('fail') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    const headers = (err as InstanceType<typeof OpenAI.APIError>).headers!;
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect(limitsOf(headers)).toEqual(noLimits);
  });
});

it("an upstream 429 passed on keeps its retry-after-ms (the OpenAI SDKs read it first), not its rate-limit headers", async () => {
  const err = await ask({ model: 'limited/m' }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(OpenAI.RateLimitError);
  const headers = (err as InstanceType<typeof OpenAI.RateLimitError>).headers!;
  expect(headers.get('retry-after-ms')).toBe('1500');
  expect(limitsOf(headers)).toEqual(noLimits);
});

it('the log keeps the metadata of a request that forwarded it, as before', async () => {
  await ask({ model: 'openai/gpt-4o-mini', store: true, metadata: { tag: 'logged-and-forwarded' } });
  await stack.flush();
  const records = (await allLogs(stack)).filter((r) => (r.metadata as { tag?: string } | null)?.tag === 'logged-and-forwarded');
  expect(records).toHaveLength(1);
  expect(records[0].provider).toBe('openai');
});
