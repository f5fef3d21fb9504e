import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import moonshotCatalogue from '../../src/catalogue/moonshot-models.json' with { type: 'json' };
import { GLOBAL_KEY } from '../helpers/stack.js';
import { allLogs, startLogsStack } from '../helpers/logs-stack.js';
import type { LogsStack } from '../helpers/logs-stack.js';

/**
 * Every proxied request becomes exactly one log record — stream or not, success or failure,
 * retried or fallen back — with the simulator's token counts and the catalogue's cost.
 */
let stack: LogsStack;
beforeAll(async () => {
  stack = await startLogsStack({
    configYaml: `
router: { retries: 1, backoff_ms: 1, cooldown: { fails: 1000 } }
providers:
  moonshot:
    regions: { global: \${SIM}/v1, cn: \${SIM}/cn/v1 }
    credentials:
      - { name: main, api_key: ${GLOBAL_KEY}, region: global }
models:
  - { name: kimi-fb, model: moonshot/kimi-k2.6, fallbacks: [moonshot/kimi-k2.5] }
`,
  });
});
afterAll(() => stack.close());

interface Sent {
  id: string;
  kind: string;
  usage?: { prompt_tokens: number; completion_tokens: number; cached_tokens: number; reasoning_tokens: number };
  model?: string;
  status: number;
}

const price = (id: string) => moonshotCatalogue.models.find((m) => m.id === id)!.price!;

/** The catalogue's cost, computed here independently of the gateway's pricing code. */
function expectedCost(model: string, u: NonNullable<Sent['usage']>): number {
  const p = price(model);
  return ((u.prompt_tokens - u.cached_tokens) * p.input + u.cached_tokens * (p.cached_input ?? p.input) + u.completion_tokens * p.output) / 1_000_000;
}

function usageOf(raw: any): Sent['usage'] {
  return {
    prompt_tokens: raw.prompt_tokens,
    completion_tokens: raw.completion_tokens,
    cached_tokens: raw.prompt_tokens_details?.cached_tokens ?? raw.cached_tokens ?? 0,
    reasoning_tokens: raw.completion_tokens_details?.reasoning_tokens ?? 0,
  };
}

const user = (content: any) => [{ role: 'user' as const, content }];

/** The Moonshot provider on the simulator, with a `logging` block of the test's own. */
const moonshotWithLogging = (logging: string) => `
logging: ${logging}
providers:
  moonshot:
    regions: { global: \${SIM}/v1, cn: \${SIM}/cn/v1 }
    credentials:
      - { name: main, api_key: ${GLOBAL_KEY}, region: global }
`;

async function json(kind: string, body: any, headers: Record<string, string> = {}): Promise<Sent> {
  const { data, response } = await stack.client.chat.completions.create(body, { headers }).withResponse();
  return { id: response.headers.get('x-moongate-request-id')!, kind, usage: usageOf(data.usage), model: data.model, status: 200 };
}

async function stream(kind: string, body: any): Promise<Sent> {
  const { data, response } = await stack.client.chat.completions.create({ ...body, stream: true }).withResponse();
  let usage: any;
  try {
    for await (const chunk of data as unknown as AsyncIterable<any>) if (chunk.usage) usage = chunk.usage;
  } catch {
    // An error event mid-stream: the SDK throws; the record must still be there.
  }
  return { id: response.headers.get('x-moongate-request-id')!, kind, usage: usage && usageOf(usage), status: 200 };
}

async function failing(kind: string, body: any): Promise<Sent> {
  const res = await fetch(`${stack.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await res.text();
  return { id: res.headers.get('x-moongate-request-id')!, kind, status: res.status };
}

const png = `data:image/png;base64,${'iVBORw0KGgo'.repeat(400)}AA==`;

describe('a log record for every request', () => {
  let sent: Sent[];
  let records: Map<string, any>;

  beforeAll(async () => {
    // A prompt and its exact repeat: the second is a (simulated) cache hit.
    const cached = { model: 'moonshot/kimi-k2.6', messages: user('Cache me: a long enough prompt to make cached tokens worth pricing.') };
    sent = [await json('first of a cached pair', cached), await json('cache hit', cached)];
    stack.sim.injectFault({ status: 500, times: 1, match: { model: 'kimi-k2.6' } });
    sent.push(await json('fallback after a 500', { model: 'kimi-fb', messages: user('fall back please') }));
    sent.push(
      ...(await Promise.all([
        json('non-stream, 7 tokens', { model: 'moonshot/kimi-k2.6', messages: user('[[sim:tokens=7]] seven') }),
        json('non-stream, 40 tokens', { model: 'moonshot/kimi-k2.6', messages: user('[[sim:tokens=40]] forty') }),
        json('with caller info', { model: 'moonshot/kimi-k2.6', messages: user('who am I'), customer_identifier: 'acme', metadata: { team: 'search' }, user: 'u-1' }, { 'x-moongate-trace-id': 'trace-42' }),
        json('v1 model without a cache price', { model: 'moonshot/moonshot-v1-8k', messages: user('[[sim:tokens=5]] old model') }),
        json('vision', { model: 'moonshot/kimi-k2.6', messages: user([{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url: png } }]) }),
        stream('stream with usage, k2.5', { model: 'moonshot/kimi-k2.5', messages: user('[[sim:tokens=12]] stream one'), stream_options: { include_usage: true } }),
        stream('stream with usage, k2.6', { model: 'moonshot/kimi-k2.6', messages: user('stream two'), stream_options: { include_usage: true } }),
        stream('stream with usage, k3', { model: 'moonshot/kimi-k3', messages: user('[[sim:tokens=3]] stream three'), stream_options: { include_usage: true } }),
        stream('stream, usage not asked for', { model: 'moonshot/kimi-k2.6', messages: user('[[sim:tokens=9]] quiet stream') }),
        stream('stream that fails midway', { model: 'moonshot/kimi-k2.6', messages: user('[[sim:stream_error=3]] break') }),
        failing('upstream 500 (retried once)', { model: 'moonshot/kimi-k2.6', messages: user('[[sim:error=500]] boom') }),
        failing('upstream 400', { model: 'moonshot/kimi-k2.6', messages: user('[[sim:error=400]] bad') }),
        failing('stream refused with 429', { model: 'moonshot/kimi-k2.6', stream: true, messages: user('[[sim:error=429]] slow down') }),
        failing('unknown model', { model: 'nowhere-model', messages: user('hi') }),
        failing('malformed request', { model: 'moonshot/kimi-k2.6' }),
      ])),
    );
    await stack.flush();
    records = new Map((await allLogs(stack)).map((r) => [r.id, r]));
  });

  it('records exactly one record per request', () => {
    expect(records.size).toBe(sent.length);
    for (const s of sent) expect(records.has(s.id), s.kind).toBe(true);
  });

  it("matches the simulator's token counts and the catalogue's cost to the cent", () => {
    let total = 0;
    for (const s of sent.filter((x) => x.usage)) {
      const r = records.get(s.id);
      expect({ kind: s.kind, prompt: r.prompt_tokens, completion: r.completion_tokens, cached: r.cached_tokens, reasoning: r.reasoning_tokens }).toEqual({
        kind: s.kind,
        prompt: s.usage!.prompt_tokens,
        completion: s.usage!.completion_tokens,
        cached: s.usage!.cached_tokens,
        reasoning: s.usage!.reasoning_tokens,
      });
      const expected = expectedCost(r.model, s.usage!);
      expect(r.cost_usd, s.kind).toBeCloseTo(expected, 12);
      expect(r.cost_details.input_usd + r.cost_details.cached_input_usd + r.cost_details.output_usd).toBeCloseTo(r.cost_usd, 12);
      total += r.cost_usd;
    }
    const expectedTotal = sent.filter((x) => x.usage).reduce((sum, s) => sum + expectedCost(records.get(s.id).model, s.usage!), 0);
    expect(Math.round(total * 100)).toBe(Math.round(expectedTotal * 100));
    expect(total).toBeCloseTo(expectedTotal, 10);
  });

  it('prices cache hits at the cache-hit price', () => {
    const hit = records.get(sent.find((s) => s.kind === 'cache hit')!.id);
    expect(hit.cached_tokens).toBeGreaterThan(0);
    expect(hit.cost_details.cached_input_usd).toBeCloseTo((hit.cached_tokens * price('kimi-k2.6').cached_input!) / 1e6, 12);
  });

  it('records usage from the stream even when the client did not ask for it', () => {
    const quiet = records.get(sent.find((s) => s.kind === 'stream, usage not asked for')!.id);
    expect(quiet).toMatchObject({ stream: true, status: 200, error_type: null });
    expect(quiet.completion_tokens - quiet.reasoning_tokens).toBe(9); // kimi-k2.6 thinks first
    expect(quiet.ttft_ms).toBeGreaterThan(0);
    expect(quiet.ttft_ms).toBeLessThanOrEqual(quiet.latency_ms);
    expect(quiet.cost_usd).toBeGreaterThan(0);
    expect(quiet.response.choices[0].message.content).toContain('token0');
  });

  it('records the attempts path of a fallback and prices the model that answered', () => {
    const s = sent.find((x) => x.kind === 'fallback after a 500')!;
    const r = records.get(s.id);
    expect(r).toMatchObject({ model_requested: 'kimi-fb', provider: 'moonshot', model: 'kimi-k2.5', credential: 'main', status: 200 });
    expect(r.attempts).toMatchObject([
      { model: 'kimi-k2.6', status: 500, error_type: expect.any(String) },
      { model: 'kimi-k2.5', status: 200 },
    ]);
    // As logs.md says: a successful attempt leaves error_type and error_message out (not null).
    expect(Object.keys(r.attempts[1]).sort()).toEqual(['credential', 'duration_ms', 'model', 'provider', 'started_ms', 'status']);
    expect(r.cost_usd).toBeCloseTo(expectedCost('kimi-k2.5', s.usage!), 12);
  });

  it('records failures with their status, type and message, costing nothing', () => {
    const by = (kind: string) => records.get(sent.find((s) => s.kind === kind)!.id);
    expect(by('upstream 500 (retried once)')).toMatchObject({ status: 500, error_type: expect.any(String), cost_usd: 0, prompt_tokens: null });
    expect(by('upstream 500 (retried once)').attempts).toHaveLength(2);
    expect(by('upstream 400')).toMatchObject({ status: 400, error_type: 'invalid_request_error', cost_usd: 0 });
    expect(by('stream refused with 429')).toMatchObject({ status: 429, stream: true });
    expect(by('unknown model')).toMatchObject({ status: 404, error_type: 'invalid_request_error', provider: null, model: null, cost_usd: 0, attempts: [] });
    expect(by('unknown model').error_message).toContain('nowhere-model');
    expect(by('malformed request')).toMatchObject({ status: 400, error_type: 'invalid_request_error', cost_usd: 0 });
    // A stream that broke after it started: the client got 200, the record says what went wrong.
    const broken = by('stream that fails midway');
    expect(broken).toMatchObject({ status: 200, stream: true, error_type: expect.any(String) });
    // Tokens were generated but their count never came: estimated (and charged), and said so.
    expect(broken.cost_usd).toBeGreaterThan(0);
    expect(broken.completion_tokens).toBeGreaterThan(0);
    expect(broken.error_message).toContain('estimated');
  });

  it('records who asked, and bodies with images replaced by a placeholder', () => {
    const who = records.get(sent.find((s) => s.kind === 'with caller info')!.id);
    expect(who).toMatchObject({ customer_identifier: 'acme', metadata: { team: 'search' }, user: 'u-1', trace_id: 'trace-42', source: 'proxy' });
    expect(who.request.messages[0].content).toBe('who am I');
    const vision = records.get(sent.find((s) => s.kind === 'vision')!.id);
    const part = vision.request.messages[0].content[1];
    expect(part.image_url.url).toMatch(/^\[image image\/png, \d+ bytes\]$/);
    expect(JSON.stringify(vision.request)).not.toContain('iVBORw0KGgo');
  });

  it('records latency, overhead and the models, and is served one by one too', async () => {
    const s = sent.find((x) => x.kind === 'non-stream, 40 tokens')!;
    const one = await stack.api(`/v1/logs/${s.id}`);
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({ id: s.id, model_requested: 'moonshot/kimi-k2.6', model: 'kimi-k2.6', stream: false });
    expect(one.json.completion_tokens - one.json.reasoning_tokens).toBe(40);
    expect(one.json.latency_ms).toBeGreaterThan(0);
    expect(one.json.overhead_ms).toBeGreaterThanOrEqual(0);
    expect(one.json.overhead_ms).toBeLessThanOrEqual(one.json.latency_ms);
    expect(Date.parse(one.json.created_at)).toBeLessThanOrEqual(Date.now());
  });

  it('adds up in /v1/usage', async () => {
    const usage = await stack.api('/v1/usage?group_by=provider&interval=hour');
    expect(usage.status).toBe(200);
    const requests = usage.json.data.reduce((n: number, row: any) => n + row.requests, 0);
    expect(requests).toBe(sent.length);
    const cost = usage.json.data.reduce((n: number, row: any) => n + row.cost_usd, 0);
    const recorded = [...records.values()].reduce((n, r) => n + (r.cost_usd ?? 0), 0);
    expect(cost).toBeCloseTo(recorded, 12);
    const errors = usage.json.data.reduce((n: number, row: any) => n + row.errors, 0);
    expect(errors).toBe([...records.values()].filter((r) => r.status >= 400 || r.error_type).length);
  });
});

describe('a request whose body Node refuses part-way', () => {
  it('is logged with the 400 its client got, not as a client that went away (499)', async () => {
    const before = new Set((await allLogs(stack)).map((r) => r.id));
    const half = '{"model": "moonshot/kimi-k2.6", ';
    const socket = connect(Number(new URL(stack.url).port), '127.0.0.1');
    socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
    socket.write(`${half.length.toString(16)}\r\n${half}\r\n`);
    // The second chunk comes later, so the gateway has begun to handle the request.
    await new Promise((r) => setTimeout(r, 50));
    socket.write('ZZ\r\n');
    let answer = '';
    for await (const chunk of socket) answer += (chunk as Buffer).toString('latin1');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);

    const added = async () => (await stack.flush(), (await allLogs(stack)).filter((r) => !before.has(r.id)));
    await expect.poll(async () => (await added()).length).toBe(1);
    const [record] = await added();
    expect(record).toMatchObject({ status: 400, error_type: 'invalid_request_error' });
    expect(record.error_message).toMatch(/^The request is not valid HTTP\/1\.1 \(HPE_/);
  });
});

describe('a long conversation in several scripts (read without decoding it whole)', () => {
  it('reaches the upstream as sent, and its log record is cut to max_body_kb with every character intact', async () => {
    const turn = (i: number) => `Turn ${i}: the day’s catch — café, Grüße, 中文, русский, 😀. `.repeat(40);
    const messages = Array.from({ length: 60 }, (_, i) => ({ role: i % 2 ? ('assistant' as const) : ('user' as const), content: turn(i) }));
    messages.push({ role: 'user', content: 'Sum that up. [[sim:tokens=4]]' });
    const sent = JSON.stringify({ model: 'moonshot/kimi-k2.6', messages });
    expect(Buffer.byteLength(sent)).toBeGreaterThan(128 * 1024);
    const before = stack.sim.requests.length;
    const { data, response } = await stack.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages }).withResponse();
    expect(data.choices[0]!.message.content).toBeTruthy();
    const upstream = stack.sim.requests.slice(before);
    expect(upstream).toHaveLength(1);
    expect((upstream[0]!.body as any).messages).toEqual(messages);

    await stack.flush();
    const record = (await stack.api(`/v1/logs/${response.headers.get('x-moongate-request-id')}`)).json;
    const logged = record.request.messages as { role: string; content: string }[];
    expect(logged).toHaveLength(messages.length);
    expect(logged[60]!.content).toBe('Sum that up. [[sim:tokens=4]]');
    for (const [i, m] of logged.slice(0, 60).entries()) {
      const [kept, cut] = m.content.split('…[truncated ');
      expect(turn(i).startsWith(kept!)).toBe(true);
      expect(kept!.length + Number(/^(\d+) chars\]$/.exec(cut!)![1])).toBe(turn(i).length);
    }
  });
});

describe('logging.bodies: redacted', () => {
  it('gives each piece of content its length as sent, and rebuilds a stream without usage, as full mode does', async () => {
    const redacted = await startLogsStack({ configYaml: moonshotWithLogging('{ bodies: redacted, max_body_kb: 1 }') });
    try {
      const text = 'The quick brown fox jumps over the lazy dog. '.repeat(120).slice(0, 5000);
      const plain = await redacted.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: user(text) }).withResponse();
      const streamed = await redacted.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: user('[[sim:tokens=5]] hi'), stream: true, stream_options: { include_usage: true } }).withResponse();
      for await (const _ of streamed.data) void _;
      const fullStream = await stack.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: user('[[sim:tokens=5]] hi'), stream: true, stream_options: { include_usage: true } }).withResponse();
      for await (const _ of fullStream.data) void _;
      await redacted.flush();
      await stack.flush();
      const get = async (s: LogsStack, res: Response) => (await s.api(`/v1/logs/${res.headers.get('x-moongate-request-id')}`)).json;
      const one = await get(redacted, plain.response);
      expect(one.request.messages[0].content).toBe('[redacted 5000 chars]');
      // A non-stream answer is the provider's body: its usage is part of the structure kept.
      expect(one.response.usage).toMatchObject({ prompt_tokens: expect.any(Number) });
      const stream = await get(redacted, streamed.response);
      expect(stream.response.choices[0].message.content).toMatch(/^\[redacted \d+ chars\]$/);
      expect(stream).toMatchObject({ stream: true, completion_tokens: expect.any(Number) });
      // A stream's rebuilt answer holds its choices only, in full mode too; its usage is in the record's token fields.
      expect(stream.response.usage).toBeUndefined();
      const full = await get(stack, fullStream.response);
      expect(full).toMatchObject({ stream: true, completion_tokens: expect.any(Number) });
      expect(full.response.choices[0].message.content).not.toMatch(/redacted/);
      expect(full.response.usage).toBeUndefined();
    } finally {
      await redacted.close();
    }
  });
});

describe("a stream's record, its request let go while the answer runs", () => {
  const turn = (i: number) => `Turn ${i}: the day’s catch — café, Grüße, 中文, русский, 😀. `.repeat(40);
  const conversation = () => {
    const messages: { role: 'user' | 'assistant'; content: string }[] = Array.from({ length: 60 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: turn(i) }));
    messages.push({ role: 'user', content: 'Sum that up. [[sim:tokens=6]]' });
    return messages;
  };
  const BROUGHT = 'sk-brought-for-a-long-stream-0001';

  it('stores the request as a non-stream one is stored: cut to max_body_kb, brought keys redacted, the answer whole', async () => {
    const messages = conversation();
    const body = { model: 'moonshot/kimi-k2.6', messages, metadata: { run: 'long' }, customer_credentials: { moonshot: { api_key: BROUGHT } } };
    const plain = await stack.client.chat.completions.create(body as never).withResponse();
    const streamed = await stack.client.chat.completions.create({ ...body, stream: true } as never).withResponse();
    let content = '';
    for await (const chunk of streamed.data as unknown as AsyncIterable<any>) content += chunk.choices[0]?.delta?.content ?? '';
    await stack.flush();
    const get = async (res: Response) => (await stack.api(`/v1/logs/${res.headers.get('x-moongate-request-id')}`)).json;
    const [one, other] = [await get(plain.response), await get(streamed.response)];

    expect(other).toMatchObject({ stream: true, status: 200, model_requested: 'moonshot/kimi-k2.6', metadata: { run: 'long' } });
    expect(other.request).toEqual({ ...one.request, stream: true });
    expect(other.request.customer_credentials).toBe('[redacted]');
    expect(JSON.stringify(other)).not.toContain(BROUGHT);
    expect(other.request.messages).toHaveLength(messages.length);
    expect(other.request.messages[0].content).toMatch(/…\[truncated \d+ chars\]$/);
    expect(other.response.choices[0].message.content).toBe(content);
  });

  it('stores no request or answer with logging.bodies: off, and still the stream\'s usage and caller', async () => {
    const off = await startLogsStack({ configYaml: moonshotWithLogging('{ bodies: off }') });
    try {
      const streamed = await off.client.chat.completions
        .create({ model: 'moonshot/kimi-k2.6', messages: conversation(), stream: true, stream_options: { include_usage: true }, user: 'u-long' })
        .withResponse();
      let usage: any;
      for await (const chunk of streamed.data) if (chunk.usage) usage = chunk.usage;
      await off.flush();
      const record = (await off.api(`/v1/logs/${streamed.response.headers.get('x-moongate-request-id')}`)).json;
      expect(record).toMatchObject({ stream: true, status: 200, model_requested: 'moonshot/kimi-k2.6', user: 'u-long', prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens });
      expect(record.request).toBeNull();
      expect(record.response).toBeNull();
    } finally {
      await off.close();
    }
  });
});
