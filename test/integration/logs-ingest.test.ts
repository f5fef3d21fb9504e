import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLogsStack } from '../helpers/logs-stack.js';
import type { LogsStack } from '../helpers/logs-stack.js';

/** Logging without proxying: Respan's request-logs body and our own LogRecord fields. */
let stack: LogsStack;
beforeAll(async () => {
  stack = await startLogsStack();
});
afterAll(() => stack.close());

/** The example body from Respan's (Keywords AI's) docs for POST /api/request-logs/create/. */
const respanExample = {
  model: 'gpt-4',
  prompt_messages: [
    { role: 'user', content: 'Hi' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'xxxx', type: 'function', function: { name: 'get_current_weather', arguments: '{\n"location": "Boston, MA"\n}' } }],
    },
  ],
  completion_message: { role: 'assistant', content: 'Hi, how can I assist you today?' },
  tool_choice: { type: 'function', function: { name: 'get_current_weather' } },
  tools: [
    {
      type: 'function',
      function: {
        name: 'get_current_weather',
        description: 'Get the current weather in a given location',
        parameters: {
          type: 'object',
          properties: { location: { type: 'string', description: 'The city and state, e.g. San Francisco, CA' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
          required: ['location'],
        },
      },
    },
  ],
  customer_params: { customer_identifier: 'customer_123', name: 'Hendrix Liu', email: 'hendrix@keywordsai.co' },
  prompt_tokens: 8,
  completion_tokens: 16,
  cost: 0.00042,
  latency: 0.0,
  timestamp: '2024-04-15T08:30:37.721313Z',
  time_to_first_token: 0.0,
  metadata: {},
  stream: false,
  status_code: 200,
  warnings: '',
};

describe('POST /api/request-logs/create/ (Respan)', () => {
  it("accepts Respan's example body and stores it as an ingested record", async () => {
    const res = await stack.api('/api/request-logs/create/', { body: respanExample });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      source: 'ingested',
      model: 'gpt-4',
      customer_identifier: 'customer_123',
      prompt_tokens: 8,
      completion_tokens: 16,
      cost_usd: 0.00042,
      status: 200,
      error_type: null,
      stream: false,
      latency_ms: 0,
      ttft_ms: 0,
      created_at: '2024-04-15T08:30:37.721Z',
    });
    const stored = await stack.api(`/v1/logs/${res.json.id}`);
    expect(stored.status).toBe(200);
    expect(stored.json.request.messages).toEqual(respanExample.prompt_messages);
    expect(stored.json.request.tools).toEqual(respanExample.tools);
    expect(stored.json.response.choices[0].message).toEqual(respanExample.completion_message);
  });

  it('computes the cost from the catalogue when none is given, split by kind', async () => {
    const res = await stack.api('/api/request-logs/create', {
      body: { model: 'gpt-4o', prompt_messages: [{ role: 'user', content: 'hi' }], completion_message: { role: 'assistant', content: 'hello' }, usage: { prompt_tokens: 1000, completion_tokens: 200, prompt_tokens_details: { cached_tokens: 400 } }, generation_time: 1.5, ttft: 0.25 },
    });
    expect(res.status).toBe(201);
    // gpt-4o: 2.50 input, 1.25 cached input, 10.00 output per 1M tokens.
    expect(res.json.cost_details).toMatchObject({ input_usd: 0.0015, cached_input_usd: 0.0005, output_usd: 0.002 });
    expect(res.json.cost_usd).toBeCloseTo(0.004, 12);
    expect(res.json).toMatchObject({ cached_tokens: 400, latency_ms: 1500, ttft_ms: 250 });
  });

  it("uses the sender's unit prices for models the catalogue cannot know, and null when nothing is known", async () => {
    const own = await stack.api('/api/request-logs/create', { body: { model: 'my-finetune', prompt_tokens: 1_000_000, completion_tokens: 500_000, prompt_unit_price: 0.2, completion_unit_price: 0.6 } });
    expect(own.json.cost_usd).toBeCloseTo(0.5, 12);
    const unknown = await stack.api('/api/request-logs/create', { body: { model: 'my-finetune', prompt_tokens: 10, completion_tokens: 5 } });
    expect(unknown.status).toBe(201);
    expect(unknown.json.cost_usd).toBeNull();
  });

  it('reads failures, Moonshot models and customer ids in every form', async () => {
    const res = await stack.api('/api/request-logs/create', {
      body: { model: 'moonshot/kimi-k2.6', status_code: 429, error_message: 'rate limited', customer_identifier: 42, thread_identifier: 't-1' },
    });
    expect(res.json).toMatchObject({ provider: 'moonshot', model: 'kimi-k2.6', status: 429, error_type: 'rate_limit_error', error_message: 'rate limited', customer_identifier: '42', metadata: { thread_identifier: 't-1' }, cost_usd: 0 });
  });

  it('answers 400 naming the field for a body it cannot read', async () => {
    for (const [body, param] of [
      [{ prompt_messages: [] }, 'model'],
      [{ model: 'gpt-4', prompt_tokens: -1 }, 'prompt_tokens'],
      [{ model: 'gpt-4', prompt_messages: 'hi' }, 'prompt_messages'],
      [{ model: 'gpt-4', timestamp: 'last tuesday' }, 'timestamp'],
      [{ model: 'gpt-4', customer_params: { customer_identifier: { id: 1 } } }, 'customer_params.customer_identifier'],
    ] as const) {
      const res = await stack.api('/api/request-logs/create/', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error, JSON.stringify(body)).toMatchObject({ type: 'invalid_request_error', code: 'invalid_log', param });
      expect(res.json.error.message).toContain(param);
    }
    expect((await stack.api('/api/request-logs/create/', { body: '{not json' })).status).toBe(400);
    expect((await stack.api('/api/request-logs/create/', { method: 'GET' })).status).toBe(405);
  });
});

describe('POST /v1/logs (LogRecord fields)', () => {
  it('stores one record or an array, with the given id and time', async () => {
    const one = await stack.api('/v1/logs', {
      body: { id: 'mine-1', created_at: '2026-01-02T03:04:05.000Z', model: 'kimi-k2.5', provider: 'moonshot', prompt_tokens: 2_000_000, completion_tokens: 1_000_000, cached_tokens: 1_000_000, latency_ms: 900, ttft_ms: 120, stream: true, metadata: { app: 'batch' }, request: { messages: [{ role: 'user', content: 'x' }] } },
    });
    expect(one.status).toBe(201);
    // kimi-k2.5: 0.60 input, 0.10 cache hit, 3.00 output per 1M tokens.
    expect(one.json).toMatchObject({ id: 'mine-1', source: 'ingested', created_at: '2026-01-02T03:04:05.000Z', cost_usd: 3.7, cost_details: { input_usd: 0.6, cached_input_usd: 0.1, output_usd: 3 } });
    const many = await stack.api('/v1/logs', { body: [{ model: 'gpt-4o-mini', provider: 'openai', cost_usd: 0.01 }, { model: 'openai/gpt-4o-mini', prompt_tokens: 1000, completion_tokens: 0 }] });
    expect(many.status).toBe(201);
    expect(many.json.data.map((r: any) => [r.provider, r.model, r.cost_usd])).toEqual([
      ['openai', 'gpt-4o-mini', 0.01],
      ['openai', 'gpt-4o-mini', 0.00015],
    ]);
    // Sending the same id again is harmless: the first record stays.
    await stack.api('/v1/logs', { body: { id: 'mine-1', model: 'other' } });
    expect((await stack.api('/v1/logs/mine-1')).json.model).toBe('kimi-k2.5');
  });

  it('bounds metadata as a proxied request does: 16 KB of JSON (megabytes were stored in every record)', async () => {
    const big = { notes: 'x'.repeat(17 * 1024) };
    const ours = await stack.api('/v1/logs', { body: { model: 'kimi-k2.6', metadata: big } });
    expect(ours.status).toBe(400);
    expect(ours.json.error.param).toBe('metadata');
    const respan = await stack.api('/api/request-logs/create/', { body: { ...respanExample, metadata: big } });
    expect(respan.status).toBe(400);
    expect(respan.json.error.param).toBe('metadata');
    const fits = await stack.api('/v1/logs', { body: { model: 'kimi-k2.6', metadata: { notes: 'x'.repeat(1024) } } });
    expect(fits.status).toBe(201);
  });

  it('refuses unknown fields and wrong types with a 400 naming them', async () => {
    const typo = await stack.api('/v1/logs', { body: { model: 'kimi-k2.6', prompt_token: 3 } });
    expect(typo.status).toBe(400);
    expect(typo.json.error.message).toContain('prompt_token');
    const wrong = await stack.api('/v1/logs', { body: [{ model: 'kimi-k2.6' }, { model: 'kimi-k2.6', status: 'ok' }] });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error.param).toBe('1.status');
    const empty = await stack.api('/v1/logs', { body: [] });
    expect(empty.status).toBe(400);
  });

  it('names an unknown field in param, batch index and all, with the closest known field (param was null)', async () => {
    const typo = await stack.api('/v1/logs', { body: { model: 'kimi-k2.6', prompt_tokns: 1 } });
    expect(typo.status).toBe(400);
    expect(typo.json.error).toMatchObject({ code: 'invalid_log', param: 'prompt_tokns', message: 'Invalid log record: `prompt_tokns`: unknown field (did you mean `prompt_tokens`?).' });
    const inBatch = await stack.api('/v1/logs', { body: [{ model: 'kimi-k2.6' }, { model: 'kimi-k2.6', prompt_tokns: 1 }] });
    expect([inBatch.status, inBatch.json.error.param]).toEqual([400, '1.prompt_tokns']);
    expect(inBatch.json.error.message).toBe('Invalid log record: `1.prompt_tokns`: unknown field (did you mean `prompt_tokens`?).');
    const details = await stack.api('/v1/logs', { body: { model: 'kimi-k2.6', cost_details: { input_usd: 1 } } });
    expect([details.status, details.json.error.param]).toEqual([400, 'cost_details']);
    expect(details.json.error.message).toContain('`cost_details`: is not accepted: the gateway computes it with `cost_usd`');
    const attempt = await stack.api('/v1/logs', {
      body: [{ model: 'm', attempts: [{ provider: 'p', model: 'm', credential: 'c', started_ms: 0, duration_ms: 1, duraton_ms: 1 }] }],
    });
    expect([attempt.status, attempt.json.error.param]).toEqual([400, '0.attempts.0.duraton_ms']);
    expect(attempt.json.error.message).toContain('did you mean `duration_ms`?');
    const nothingClose = await stack.api('/v1/logs', { body: { model: 'm', zzz: 1, status: 'bad' } });
    expect([nothingClose.status, nothingClose.json.error.param]).toEqual([400, 'zzz']);
    expect(nothingClose.json.error.message).toMatch(/^Invalid log record: `zzz`: unknown field/);
  });

  it('answers a body of huge or countless unknown fields at once (a 2 MB key took 37 s, the gateway frozen), naming a few', async () => {
    const longKey = 'k'.repeat(1_000_000);
    // Bounds far under the 37 s of the bug, far over a busy machine's worst (1.1 s seen with three
    // CPU hogs beside the suite): what is guarded is the freeze, not a speed.
    let started = performance.now();
    const long = await stack.api('/v1/logs', { body: { model: 'kimi-k2.6', [longKey]: 1 } });
    expect(performance.now() - started).toBeLessThan(5000);
    expect(long.status).toBe(400);
    expect(long.json.error.param).toBe(`${'k'.repeat(100)}…`);
    expect(long.json.error.message.length).toBeLessThan(300);
    const many: Record<string, unknown> = { model: 'kimi-k2.6' };
    for (let i = 0; i < 100_000; i++) many[`prompt_tokens_${i}`] = 1;
    started = performance.now();
    const countless = await stack.api('/v1/logs', { body: many });
    expect(performance.now() - started).toBeLessThan(5000);
    expect([countless.status, countless.json.error.param]).toEqual([400, 'prompt_tokens_0']);
    expect(countless.json.error.message).toMatch(/^Invalid log record: `prompt_tokens_0`: unknown field \(did you mean `prompt_tokens`\?\);.* \(and 99995 more\)\.$/);
    const batch = await stack.api('/v1/logs', { body: Array.from({ length: 1000 }, () => ({ model: 'kimi-k2.6', ...Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`completion_tokns${i}`, 1])) })) });
    expect([batch.status, batch.json.error.param]).toEqual([400, '0.completion_tokns0']);
    expect(batch.json.error.message).toContain('(and 99995 more)');
  });

  it('does not take inherited names for known ones (`__proto__` was answered "[object Object]", `constructor` with Object\'s source)', async () => {
    const proto = await stack.api('/v1/logs', { body: '{"model":"kimi-k2.6","__proto__":{"x":1}}' });
    expect([proto.status, proto.json.error.param, proto.json.error.message]).toEqual([400, '__proto__', 'Invalid log record: `__proto__`: unknown field.']);
    const ctor = await stack.api('/v1/logs', { body: { model: 'kimi-k2.6', constructor: 1 } });
    expect([ctor.status, ctor.json.error.param]).toEqual([400, 'constructor']);
    expect(ctor.json.error.message).toMatch(/^Invalid log record: `constructor`: unknown field(?: \(did you mean `\w+`\?\))?\.$/);
    expect(ctor.json.error.message).not.toContain('function');
  });

  it('names an unknown field and the record\'s other errors together (the unknown field hid them)', async () => {
    const both = await stack.api('/v1/logs', { body: { model: 'kimi-k2.6', status: 'bad', zzz: 1 } });
    expect([both.status, both.json.error.param]).toEqual([400, 'zzz']);
    expect(both.json.error.message).toMatch(/^Invalid log record: `zzz`: unknown field; `status`: /);
    const nested = await stack.api('/v1/logs', { body: [{ model: 'm', latency_ms: -1, attempts: [{ provider: 'p', model: 'm', credential: 'c', started_ms: 0, duration_ms: 1, duraton_ms: 1 }] }] });
    expect(nested.json.error.message).toContain('`0.attempts.0.duraton_ms`: unknown field (did you mean `duration_ms`?)');
    expect(nested.json.error.message).toContain('`0.latency_ms`: ');
  });

  it('reads a bare Moonshot model name as Moonshot\'s, as the proxy does, so provider filters find it (it was stored with provider null)', async () => {
    const bare = await stack.api('/v1/logs', { body: { id: 'bare-kimi-1', model: 'kimi-k2.6', prompt_tokens: 1_000_000, completion_tokens: 0 } });
    expect(bare.status).toBe(201);
    // Priced as Moonshot's kimi-k2.6 before and after; now stored under its provider too.
    expect(bare.json).toMatchObject({ provider: 'moonshot', model: 'kimi-k2.6', cost_usd: expect.any(Number) });
    const respan = await stack.api('/api/request-logs/create', { body: { model: 'kimi-k2.6', trace_unique_id: 'bare-kimi-respan' } });
    expect(respan.json).toMatchObject({ provider: 'moonshot', model: 'kimi-k2.6', model_requested: 'kimi-k2.6' });
    // Another provider's bare name stays as it was: bare names are Moonshot's only.
    const other = await stack.api('/v1/logs', { body: { id: 'bare-gpt-1', model: 'gpt-4' } });
    expect(other.json).toMatchObject({ provider: null, model: 'gpt-4' });
    // A provider the sender names wins.
    const named = await stack.api('/api/request-logs/create', { body: { model: 'kimi-k2.6', provider_id: 'my-proxy' } });
    expect(named.json).toMatchObject({ provider: 'my-proxy', model: 'kimi-k2.6' });
    await stack.flush();
    const found = await stack.api('/v1/logs?model=moonshot/kimi-k2.6&source=ingested&bodies=false&limit=1000');
    expect(found.json.data.map((r: any) => r.id)).toContain('bare-kimi-1');
    expect(found.json.data.map((r: any) => r.trace_id)).toContain('bare-kimi-respan');
    const byProvider = await stack.api('/v1/logs?provider=moonshot&source=ingested&bodies=false&limit=1000');
    expect(byProvider.json.data.map((r: any) => r.id)).toContain('bare-kimi-1');
    expect(byProvider.json.data.map((r: any) => r.id)).not.toContain('bare-gpt-1');
  });

  it('prices an error answer at 0 whatever tokens it reports, as a proxied one; a cost given by the master key stays as given', async () => {
    const tokens = { prompt_tokens: 1_000_000, completion_tokens: 1_000_000 };
    const respan = await stack.api('/api/request-logs/create', { body: { model: 'moonshot/kimi-k2.6', status_code: 429, ...tokens } });
    expect(respan.json).toMatchObject({ status: 429, prompt_tokens: 1_000_000, cost_usd: 0, cost_details: { input_usd: 0, output_usd: 0 } });
    const unitPriced = await stack.api('/api/request-logs/create', { body: { model: 'my-finetune', status_code: 503, ...tokens, prompt_unit_price: 1, completion_unit_price: 2 } });
    expect(unitPriced.json.cost_usd).toBe(0);
    const ours = await stack.api('/v1/logs', {
      body: [
        { model: 'kimi-k2.6', status: 500, ...tokens },
        { model: 'kimi-k2.6', error_type: 'api_error', ...tokens },
        { model: 'kimi-k2.6', status: 400, ...tokens, cost_usd: 0.25 },
        { model: 'kimi-k2.6', status: 200, error_type: 'api_error', ...tokens },
        { model: 'kimi-k2.6', status: 499, error_type: 'client_closed_request', ...tokens },
      ],
    });
    expect(ours.status).toBe(201);
    const costs = ours.json.data.map((r: any) => [r.status, r.cost_usd]);
    expect(costs.slice(0, 3)).toEqual([
      [500, 0],
      [500, 0],
      [400, 0.25],
    ]);
    // A stream that broke after it began (200 with an error) and one the client left (499) were answered, and are billed.
    for (const [status, cost] of costs.slice(3)) expect([status, cost > 0]).toEqual([status, true]);
  });

  it('refuses numbers no request could have (two costs of 1e308 summed to Infinity, and /v1/usage showed $0)', async () => {
    for (const [body, param] of [
      [{ model: 'kimi-k2.6', cost_usd: 1e308 }, 'cost_usd'],
      [{ model: 'kimi-k2.6', prompt_tokens: 1e300 }, 'prompt_tokens'],
      [{ model: 'kimi-k2.6', latency_ms: 1e200 }, 'latency_ms'],
    ] as const) {
      const res = await stack.api('/v1/logs', { body });
      expect([param, res.status, res.json.error.param]).toEqual([param, 400, param]);
    }
    const respan = await stack.api('/api/request-logs/create', { body: { model: 'gpt-4o', cost: 1e308 } });
    expect([respan.status, respan.json.error.param]).toEqual([400, 'cost']);
    expect((await stack.api('/v1/logs', { body: { model: 'kimi-k2.6', cost_usd: 12.5, prompt_tokens: 1_000_000 } })).status).toBe(201);
  });

  it('refuses an id that is taken (the store keeps the first), and one given twice in a batch', async () => {
    expect((await stack.api('/v1/logs', { body: { id: 'taken-1', model: 'x', status: 200 } })).status).toBe(201);
    await stack.flush();
    const again = await stack.api('/v1/logs', { body: { id: 'taken-1', model: 'y', status: 500 } });
    expect(again.status).toBe(409);
    expect(again.json.error).toMatchObject({ code: 'log_exists', param: 'id' });
    expect((await stack.api('/v1/logs/taken-1')).json).toMatchObject({ model: 'x', status: 200 });
    const twice = await stack.api('/v1/logs', { body: [{ id: 'twice-1', model: 'x' }, { id: 'twice-1', model: 'x' }] });
    expect(twice.status).toBe(400);
    expect(twice.json.error.param).toBe('1.id');
    expect((await stack.api('/v1/logs/twice-1')).status).toBe(404);
    // Sent at once, one id: one is stored, the others are told so (all six used to get 201).
    const racing = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => stack.api('/v1/logs', { body: { id: 'racing-1', model: 'm', metadata: { i } } })));
    expect(racing.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    await stack.flush();
    const kept = (await stack.api('/v1/logs/racing-1')).json;
    expect(kept.metadata).toEqual(racing.find((r) => r.status === 201)!.json.metadata);
  });

  it('refuses a time outside 1970 to 9999, and stores nothing of it (one past JavaScript dates broke every newest-first listing)', async () => {
    for (const created_at of [8_640_000_000_000_001, 253_402_300_800_000, -1, '+275760-09-13T00:00:00.001Z', '2026-02-30T00:00:00Z', '0', 'Mon, 30 Nov 2026 10:00:00 GMT']) {
      const res = await stack.api('/v1/logs', { body: { id: `time-${created_at}`, model: 'x', created_at } });
      expect(res.status, String(created_at)).toBe(400);
      expect(res.json.error).toMatchObject({ code: 'invalid_log', param: 'created_at' });
    }
    const far = await stack.api('/api/request-logs/create/', { body: { model: 'gpt-4', timestamp: '+100000-01-01T00:00:00Z' } });
    expect(far.status).toBe(400);
    expect(far.json.error.param).toBe('timestamp');
    const latest = await stack.api('/v1/logs', { body: { model: 'x', created_at: '9999-12-31T23:59:59.999Z' } });
    expect(latest.status).toBe(400);
    expect(latest.json.error).toMatchObject({ code: 'invalid_log', param: 'created_at' });
  });

  it('refuses a time more than 5 minutes ahead (a record dated 9999 headed every listing for good), from the master key too', async () => {
    const later = new Date(Date.now() + 10 * 60_000).toISOString();
    const ahead = await stack.api('/v1/logs', { body: [{ model: 'x' }, { id: 'ahead-1', model: 'x', created_at: later }] });
    expect(ahead.status).toBe(400);
    expect(ahead.json.error).toMatchObject({ code: 'invalid_log', param: '1.created_at' });
    expect(ahead.json.error.message).toContain('5 minutes in the future');
    const respan = await stack.api('/api/request-logs/create/', { body: { model: 'gpt-4', timestamp: later } });
    expect([respan.status, respan.json.error.param]).toEqual([400, 'timestamp']);
    // A sender's clock a little ahead of the gateway's is fine.
    const soon = new Date(Date.now() + 60_000).toISOString();
    expect((await stack.api('/v1/logs', { body: { id: 'soon-1', model: 'x', created_at: soon } })).status).toBe(201);
    await stack.flush();
    expect((await stack.api('/v1/logs/ahead-1')).status).toBe(404);
    const listed = await stack.api('/v1/logs?limit=1');
    expect(listed.json.data[0].created_at).toBe(soon);
  });
});

describe('logs sent with a gateway key', () => {
  it('may not give a cost: it is computed from the tokens at the catalogue prices, and the master key may still give one', async () => {
    const key = (await stack.api('/admin/keys', { body: { name: 'ingest-cost' } })).json;
    const withCost = await stack.api('/v1/logs', { body: { id: 'key-cost-1', model: 'moonshot/kimi-k2.6', customer_identifier: 'other', cost_usd: 999_999 }, token: key.key });
    expect(withCost.status).toBe(403);
    expect(withCost.json.error).toMatchObject({ code: 'cost_not_allowed', param: 'cost_usd' });
    for (const [field, value] of [
      ['cost', 999_999],
      ['prompt_unit_price', 1e6],
    ] as const) {
      const respan = await stack.api('/api/request-logs/create/', { body: { model: 'gpt-4o', prompt_tokens: 1_000_000, completion_tokens: 0, prompt_unit_price: 1, completion_unit_price: 1, [field]: value }, token: key.key });
      expect([field, respan.status, respan.json.error.code, respan.json.error.param]).toEqual([field, 403, 'cost_not_allowed', field]);
    }
    // kimi-k2.6: 0.95 input, 4.00 output per 1M tokens.
    const priced = await stack.api('/v1/logs', { body: { model: 'moonshot/kimi-k2.6', prompt_tokens: 1_000_000, completion_tokens: 0 }, token: key.key });
    expect(priced.status).toBe(201);
    expect(priced.json).toMatchObject({ key_id: key.id, cost_usd: 0.95 });
    await stack.flush();
    expect((await stack.api('/v1/logs/key-cost-1')).status).toBe(404);
    expect((await stack.api('/v1/logs', { body: { model: 'moonshot/kimi-k2.6', cost_usd: 12.5 } })).json.cost_usd).toBe(12.5);
  });

  it('lets a key given a bare model name log it, bare or moonshot/-qualified, as the proxy lets it ask (it was refused 403)', async () => {
    const key = (await stack.api('/admin/keys', { body: { name: 'ingest-bare', models: ['kimi-k2.6'] } })).json;
    const bare = await stack.api('/v1/logs', { body: { model: 'kimi-k2.6' }, token: key.key });
    expect([bare.status, bare.json.provider, bare.json.model]).toEqual([201, 'moonshot', 'kimi-k2.6']);
    const qualified = await stack.api('/v1/logs', { body: { model: 'moonshot/kimi-k2.6' }, token: key.key });
    expect([qualified.status, qualified.json.provider, qualified.json.model]).toEqual([201, 'moonshot', 'kimi-k2.6']);
    const other = await stack.api('/v1/logs', { body: { model: 'moonshot/kimi-k3' }, token: key.key });
    expect([other.status, other.json.error?.code]).toEqual([403, 'model_not_allowed']);
  });

  it("logs only the models the key may use, and only for the key's own customer", async () => {
    const key = (await stack.api('/admin/keys', { body: { name: 'ingest-scope', models: ['moonshot/kimi-k2.6'], customer_identifier: 'acme' } })).json;
    const otherModel = await stack.api('/v1/logs', { body: { model: 'openai/gpt-4o', prompt_tokens: 10, completion_tokens: 1 }, token: key.key });
    expect(otherModel.status).toBe(403);
    expect(otherModel.json.error.code).toBe('model_not_allowed');
    const otherCustomer = await stack.api('/v1/logs', { body: { model: 'moonshot/kimi-k2.6', customer_identifier: 'globex' }, token: key.key });
    expect(otherCustomer.status).toBe(403);
    expect(otherCustomer.json.error.code).toBe('customer_not_allowed');
    const own = await stack.api('/v1/logs', { body: { model: 'moonshot/kimi-k2.6', prompt_tokens: 10, completion_tokens: 1 }, token: key.key });
    expect(own.status).toBe(201);
    expect(own.json).toMatchObject({ key_id: key.id, customer_identifier: 'acme' });
  });
});
