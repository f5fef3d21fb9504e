import { readFile } from 'node:fs/promises';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FIXTURE_DIR } from './fixtures.js';
import { startSimulator } from './index.js';
import type { Simulator } from './index.js';

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ quiet: true, keys: [{ key: 'sk-explicit-cn', region: 'cn', balance: 42 }] });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.reset();
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

async function call(path: string, init: { method?: 'GET' | 'POST' | 'DELETE'; key?: string | null; body?: unknown; base?: string } = {}): Promise<Reply> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.key !== null) headers.authorization = `Bearer ${init.key ?? 'sk-test'}`;
  const res = await request(`${init.base ?? sim.globalBaseUrl}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers,
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
  });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

const chat = (body: Record<string, unknown>, opts: { key?: string; base?: string } = {}) => call('/chat/completions', { ...opts, body });
const user = (content: string) => [{ role: 'user', content }];

/** The JSON payloads of an SSE body, plus whether it ended with [DONE]. */
function sse(text: string): { payloads: unknown[]; done: boolean; raw: string[] } {
  const raw = text
    .split('\n\n')
    .filter((f) => f.startsWith('data: '))
    .map((f) => f.slice('data: '.length));
  const done = raw[raw.length - 1] === '[DONE]';
  const data = done ? raw.slice(0, -1) : raw;
  return { payloads: data.map((d) => JSON.parse(d) as unknown), done, raw: data };
}

async function waitFor(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('chat completions over HTTP', () => {
  it('streams with include_usage: role chunk, reasoning before content, usage in choices[0], usage-only chunk, [DONE]', async () => {
    const res = await chat({ model: 'kimi-k2.6', stream: true, stream_options: { include_usage: true }, messages: user('hello there') });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(res.headers['msh-request-id']).toBeTruthy();
    expect(res.headers['server-timing']).toMatch(/dur=/);
    const { payloads, done } = sse(res.text);
    expect(done).toBe(true);
    type Chunk = { choices: Array<{ delta: Record<string, unknown>; finish_reason: string | null; usage?: Record<string, number> }>; usage?: unknown };
    const chunks = payloads as Chunk[];
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '' });
    const kinds = chunks.map((c) => Object.keys(c.choices[0]?.delta ?? {})[0]);
    expect(kinds.indexOf('reasoning_content')).toBeLessThan(kinds.indexOf('content', 1));
    const finish = chunks[chunks.length - 2];
    expect(finish?.choices[0]?.finish_reason).toBe('stop');
    expect(finish?.choices[0]?.usage?.prompt_tokens).toBeGreaterThan(0);
    const last = chunks[chunks.length - 1];
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toEqual(finish?.choices[0]?.usage);
    const content = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(content).toContain('You said: hello there');
  });

  it('answers a tool call with a Moonshot-style id and JSON arguments', async () => {
    const tools = [
      { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
    ];
    const res = await chat({ model: 'kimi-k3', messages: user('weather in Paris?'), tools });
    expect(res.status).toBe(200);
    const body = JSON.parse(res.text);
    expect(body.choices[0].finish_reason).toBe('tool_calls');
    const call = body.choices[0].message.tool_calls[0];
    expect(call.id).toBe('get_weather_0');
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Paris' });
    expect(typeof body.choices[0].message.reasoning_content).toBe('string');
  });

  it('enforces the reasoning_content rule with Moonshot’s exact error', async () => {
    const messages = [
      { role: 'user', content: 'weather?' },
      { role: 'assistant', content: '', tool_calls: [{ id: 'get_weather_0', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'get_weather_0', content: 'sunny' },
    ];
    const res = await chat({ model: 'kimi-k2.6', messages });
    expect(res.status).toBe(400);
    expect(res.text).toBe(
      '{"error":{"message":"thinking is enabled but reasoning_content is missing in assistant tool call message at index 1","type":"invalid_request_error"}}',
    );
    const ok = await chat({ model: 'kimi-k2.6', messages: [messages[0], { ...messages[1], reasoning_content: ' ' }, messages[2]] });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text).choices[0].message.content).toBe('The get_weather tool returned: sunny');
  });

  it('rejects unknown models and malformed JSON', async () => {
    const missing = await chat({ model: 'kimi-k9', messages: user('x') });
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.text).error).toEqual({ message: 'Not found the model kimi-k9 or Permission denied', type: 'resource_not_found_error' });
    const bad = await call('/chat/completions', { body: '{"model":' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).error.type).toBe('invalid_request_error');
  });
});

describe('regions and keys', () => {
  const body = { model: 'moonshot-v1-8k', messages: user('hi') };

  it('binds keys to their platform', async () => {
    expect((await chat(body, { key: 'sk-global-1' })).status).toBe(200);
    expect((await chat(body, { key: 'sk-cn-1', base: sim.cnBaseUrl })).status).toBe(200);
    const wrong = await chat(body, { key: 'sk-cn-1' });
    expect(wrong.status).toBe(401);
    expect(wrong.text).toBe('{"error":{"message":"Invalid Authentication","type":"invalid_authentication_error"}}');
    expect((await chat(body, { key: 'sk-global-1', base: sim.cnBaseUrl })).status).toBe(401);
    expect((await chat(body, { key: 'sk-explicit-cn', base: sim.cnBaseUrl })).status).toBe(200);
  });

  it('records the Authorization header as received, and the region', async () => {
    await chat(body, { key: ' sk-padded' });
    await chat(body, { key: 'sk-cn-2', base: sim.cnBaseUrl });
    expect(sim.requests.map((r) => [r.authorization, r.region, r.status])).toEqual([
      ['Bearer  sk-padded', 'global', 401],
      ['Bearer sk-cn-2', 'cn', 200],
    ]);
    expect(sim.requests[0]?.body).toEqual(body);
  });

  it('refuses a missing Authorization header', async () => {
    expect((await call('/models', { key: null })).status).toBe(401);
  });

  it('shows no balance and refuses chat for nobalance keys', async () => {
    const res = await chat(body, { key: 'sk-nobalance-1' });
    expect(res.status).toBe(429);
    expect(JSON.parse(res.text).error.type).toBe('exceeded_current_quota_error');
    const balance = JSON.parse((await call('/users/me/balance', { key: 'sk-nobalance-1' })).text);
    expect(balance).toEqual({ code: 0, data: { available_balance: 0, voucher_balance: 0, cash_balance: 0 }, scode: '0x0', status: true });
    const explicit = JSON.parse((await call('/users/me/balance', { key: 'sk-explicit-cn', base: sim.cnBaseUrl })).text);
    expect(explicit.data.available_balance).toBe(42);
  });

  it('applies tier concurrency: a second concurrent request gets Moonshot’s 429', async () => {
    const slow = chat({ ...body, messages: user('slow [[sim:latency=150]]') }, { key: 'sk-tier0-conc' });
    await waitFor(() => sim.stats.inFlight === 1);
    const second = await chat(body, { key: 'sk-tier0-conc' });
    expect(second.status).toBe(429);
    expect(second.headers['retry-after']).toBeUndefined();
    expect(JSON.parse(second.text).error.message).toMatch(/max organization concurrency: 1, please try again after 1 seconds$/);
    expect((await slow).status).toBe(200);
    expect(sim.stats.maxInFlight).toBe(2);
  });
});

describe('options', () => {
  it('uses the injected clock for RPM windows and created', async () => {
    let now = 1_800_000_000_000;
    const clocked = await startSimulator({ quiet: true, now: () => now });
    try {
      const send = () =>
        call('/chat/completions', { base: clocked.globalBaseUrl, key: 'sk-tier0-rpm', body: { model: 'moonshot-v1-8k', messages: user('x') } });
      for (let i = 0; i < 3; i++) expect((await send()).status).toBe(200);
      const limited = await send();
      expect(limited.status).toBe(429);
      expect(JSON.parse(limited.text).error.message).toMatch(/organization max RPM: 3, please try again after 60 seconds$/);
      now += 60_000;
      const ok = await send();
      expect(ok.status).toBe(200);
      expect(JSON.parse(ok.text).created).toBe(1_800_000_060);
    } finally {
      await clocked.close();
    }
  });

  it('applies latencyMs before the response starts', async () => {
    const slow = await startSimulator({ quiet: true, latencyMs: 80 });
    try {
      const t0 = Date.now();
      await call('/chat/completions', { base: slow.globalBaseUrl, body: { model: 'moonshot-v1-8k', messages: user('x') } });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(75);
    } finally {
      await slow.close();
    }
  });

  it('keeps at least the latest maxRecordedRequests requests, dropping the oldest in batches', async () => {
    const small = await startSimulator({ quiet: true, maxRecordedRequests: 5 });
    try {
      const ids = async () => ((await call('/_sim/requests', { base: small.url })).text.match(/"id":"req-\d+"/g) ?? []).map((m) => m.slice(6, -1));
      for (let i = 1; i <= 9; i++) await call('/models', { base: small.globalBaseUrl });
      expect(await ids()).toEqual(['req-1', 'req-2', 'req-3', 'req-4', 'req-5', 'req-6', 'req-7', 'req-8', 'req-9']);
      // The tenth reaches the limit plus a batch (of 5, the limit being under 1,000): the oldest five go.
      await call('/models', { base: small.globalBaseUrl });
      expect(small.requests.map((r) => r.id)).toEqual(['req-6', 'req-7', 'req-8', 'req-9', 'req-10']);
      await call('/models', { base: small.globalBaseUrl });
      expect(await ids()).toEqual(['req-6', 'req-7', 'req-8', 'req-9', 'req-10', 'req-11']);
    } finally {
      await small.close();
    }
    await expect(startSimulator({ quiet: true, maxRecordedRequests: Number.NaN })).rejects.toThrow(/maxRecordedRequests: a whole number above 0, not NaN/);
  });

  it('streams large unpaced replies completely', async () => {
    const res = await chat({ model: 'moonshot-v1-8k', stream: true, messages: user('[[sim:tokens=3000]]') });
    const { payloads, done } = sse(res.text);
    expect(done).toBe(true);
    expect(payloads).toHaveLength(3002);
  });
});

describe('other endpoints', () => {
  it('lists the catalogue models', async () => {
    const res = JSON.parse((await call('/models')).text);
    expect(res.object).toBe('list');
    const k26 = res.data.find((m: { id: string }) => m.id === 'kimi-k2.6');
    expect(k26).toMatchObject({ object: 'model', owned_by: 'moonshot', context_length: 262144, supports_image_in: true, supports_reasoning: true });
  });

  it('serves one model by id', async () => {
    expect(JSON.parse((await call('/models/kimi-k3')).text)).toMatchObject({ id: 'kimi-k3', context_length: 1048576 });
    expect((await call('/models/nope')).status).toBe(404);
  });

  it('estimates tokens', async () => {
    const res = await call('/tokenizers/estimate-token-count', { body: { model: 'kimi-k2.6', messages: user('hello') } });
    expect(JSON.parse(res.text)).toEqual({ data: { total_tokens: expect.any(Number) } });
  });
});

describe('test controls', () => {
  it('replays a fixture byte-exact', async () => {
    const res = await chat({ model: 'kimi-k3', stream: true, messages: user('[[sim:fixture=moonshotai-stream-tool-calls]]') });
    const file = await readFile(`${FIXTURE_DIR}moonshotai-stream-tool-calls.chunks.txt`, 'utf8');
    const expected = file.trimEnd().split('\n').map((l) => `data: ${l}\n\n`).join('') + 'data: [DONE]\n\n';
    expect(res.text).toBe(expected);
    const err = await chat({ model: 'kimi-k3', messages: user('[[sim:fixture=moonshotai-kimi-k3-temperature-rejection]]') });
    expect(err.status).toBe(400);
    expect(err.text).toBe(await readFile(`${FIXTURE_DIR}moonshotai-kimi-k3-temperature-rejection.json`, 'utf8'));
  });

  it('replays a fixture that ends with an error event without [DONE], like its own mid-stream fault', async () => {
    const res = await chat({ model: 'kimi-k3', stream: true, messages: user('[[sim:fixture=moonshotai-stream-error]]') });
    const file = await readFile(`${FIXTURE_DIR}moonshotai-stream-error.chunks.txt`, 'utf8');
    expect(res.text).toBe(file.trimEnd().split('\n').map((l) => `data: ${l}\n\n`).join(''));
  });

  it('applies an injected fault to the next matching request only', async () => {
    sim.injectFault({ status: 500, match: { model: 'kimi-k3' } });
    expect((await chat({ model: 'moonshot-v1-8k', messages: user('x') })).status).toBe(200);
    const failed = await chat({ model: 'kimi-k3', messages: user('x') });
    expect(failed.status).toBe(500);
    expect(JSON.parse(failed.text).error.type).toBe('server_error');
    expect((await chat({ model: 'kimi-k3', messages: user('x') })).status).toBe(200);
  });

  it('takes faults over the control API', async () => {
    const posted = await request(`${sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ status: 429, retryAfterSeconds: 3, times: 2 }) });
    expect(posted.statusCode).toBe(200);
    await posted.body.text();
    const res = await chat({ model: 'kimi-k2.6', messages: user('x') });
    expect(res.status).toBe(429);
    expect(JSON.parse(res.text).error.message).toMatch(/please try again after 3 seconds$/);
    await (await request(`${sim.url}/_sim/faults`, { method: 'DELETE' })).body.text();
    expect((await chat({ model: 'kimi-k2.6', messages: user('x') })).status).toBe(200);
    const stats = await request(`${sim.url}/_sim/stats`);
    expect(await stats.body.json()).toMatchObject({ inFlight: 0 });
  });

  it('answers [[sim:error=429,after=3]] with the retry phrase', async () => {
    const res = await chat({ model: 'kimi-k2.6', messages: user('go [[sim:error=429,after=3]]') });
    expect(res.status).toBe(429);
    expect(JSON.parse(res.text).error).toMatchObject({ type: 'rate_limit_reached_error' });
    expect(JSON.parse(res.text).error.message).toMatch(/please try again after 3 seconds$/);
  });

  it('sends a mid-stream error and ends without [DONE]', async () => {
    const res = await chat({ model: 'moonshot-v1-8k', stream: true, messages: user('[[sim:stream_error=2]]') });
    const { payloads, done } = sse(res.text);
    expect(done).toBe(false);
    expect(payloads).toHaveLength(3);
    expect(payloads[2]).toEqual({ error: { message: 'Internal server error', type: 'server_error' } });
  });

  it('cuts the connection mid-stream', async () => {
    const res = await request(`${sim.globalBaseUrl}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-test' },
      body: JSON.stringify({ model: 'moonshot-v1-8k', stream: true, messages: user('[[sim:cut=2]]') }),
    });
    expect(res.statusCode).toBe(200);
    await expect(res.body.text()).rejects.toThrow();
    expect(sim.requests[0]?.aborted).toBe(false);
  });

  it('exposes recorded requests over the control API, without recording control calls', async () => {
    await chat({ model: 'moonshot-v1-8k', messages: user('recorded') }, { key: 'sk-rec' });
    const res = await request(`${sim.url}/_sim/requests`);
    const list = (await res.body.json()) as Array<{ path: string; authorization: string; finished: boolean; status: number }>;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ path: '/v1/chat/completions', authorization: 'Bearer sk-rec', finished: true, status: 200 });
    expect(sim.requests).toHaveLength(1);
  });

  it('answers garbage with a 200', async () => {
    const res = await chat({ model: 'moonshot-v1-8k', messages: user('[[sim:garbage]]') });
    expect(res.status).toBe(200);
    expect(() => JSON.parse(res.text)).toThrow();
  });

  it('records a client abort and stops streaming', async () => {
    const controller = new AbortController();
    const res = await request(`${sim.globalBaseUrl}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-test' },
      body: JSON.stringify({ model: 'moonshot-v1-8k', stream: true, messages: user('[[sim:token_delay=20]] [[sim:tokens=200]]') }),
      signal: controller.signal,
    });
    for await (const _chunk of res.body) {
      controller.abort();
      break;
    }
    await waitFor(() => sim.stats.aborted === 1);
    const record = sim.requests[0];
    expect(record?.aborted).toBe(true);
    expect(record?.finished).toBe(false);
    expect(sim.stats.inFlight).toBe(0);
    expect(sim.stats.maxInFlight).toBe(1);
  });
});
