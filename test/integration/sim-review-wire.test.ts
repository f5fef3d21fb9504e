import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';
import { GLOBAL_KEY } from '../helpers/stack.js';
import { startSimulator } from '../../src/sim/index.js';

/** Simulator fidelity against fixtures/moonshot-wire and docs/moonshot.md, over HTTP. */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

async function direct(body: Record<string, unknown>): Promise<{ status: number; text: string }> {
  const res = await fetch(`${stack.sim.globalBaseUrl}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${GLOBAL_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

const sseData = (text: string): any[] =>
  text
    .split('\n\n')
    .filter((f) => f.startsWith('data: ') && f !== 'data: [DONE]')
    .map((f) => JSON.parse(f.slice('data: '.length)));

describe('logprobs, as in moonshotai-logprobs.json / .chunks.txt', () => {
  const body = { model: 'moonshot-v1-8k', messages: [{ role: 'user', content: 'Say OK!' }], logprobs: true, top_logprobs: 1 };

  it('non-stream: choices[0].logprobs.content[] with token, logprob, bytes, top_logprobs', async () => {
    const { status, text } = await direct(body);
    expect(status).toBe(200);
    const choice = JSON.parse(text).choices[0];
    expect(choice.logprobs.content.map((t: any) => t.token).join('')).toBe(choice.message.content);
    expect(choice.logprobs.content[0]).toMatchObject({ logprob: expect.any(Number), bytes: expect.any(Array), top_logprobs: [expect.objectContaining({ token: choice.logprobs.content[0].token })] });
  });

  it('stream: logprobs ride on the content chunks', async () => {
    const { text } = await direct({ ...body, stream: true });
    const content = sseData(text).filter((c) => c.choices[0]?.delta?.content);
    expect(content.length).toBeGreaterThan(0);
    for (const c of content) expect(c.choices[0].logprobs.content[0].token).toBe(c.choices[0].delta.content);
  });
});

describe('$web_search (docs/moonshot.md: "Not with k2.5 thinking")', () => {
  const webSearch = [{ type: 'builtin_function', function: { name: '$web_search' } }];

  it('kimi-k2.5 with thinking on (its default) answers 400 invalid_request_error', async () => {
    const { status, text } = await direct({ model: 'kimi-k2.5', messages: [{ role: 'user', content: 'search' }], tools: webSearch });
    expect(status).toBe(400);
    expect(JSON.parse(text).error).toMatchObject({ type: 'invalid_request_error', message: expect.stringContaining('$web_search') });
  });

  it('kimi-k2.5 with thinking disabled gets the builtin_function call', async () => {
    const { status, text } = await direct({ model: 'kimi-k2.5', messages: [{ role: 'user', content: 'search' }], tools: webSearch, thinking: { type: 'disabled' } });
    expect(status).toBe(200);
    const choice = JSON.parse(text).choices[0];
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.tool_calls[0]).toMatchObject({ type: 'builtin_function', function: { name: '$web_search' } });
  });
});

describe('retired model ids (docs/moonshot.md: 404 resource_not_found_error once retired)', () => {
  const after = Date.parse('2026-09-01T00:00:00Z');
  const before = Date.parse('2026-05-01T00:00:00Z');
  const call = async (sim: Awaited<ReturnType<typeof startSimulator>>, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sim.globalBaseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${GLOBAL_KEY}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as any };
  };
  const chat = { model: 'kimi-k2.5', messages: [{ role: 'user', content: 'hi' }] };

  it('with retireModels, a retired id answers 404 with the live text on chat, estimate and model lookup, and leaves the list', async () => {
    const sim = await startSimulator({ quiet: true, retireModels: true, now: () => after });
    try {
      const c = await call(sim, 'POST', '/chat/completions', chat);
      expect(c.status).toBe(404);
      expect(c.json).toEqual({ error: { message: 'Not found the model kimi-k2.5 or Permission denied', type: 'resource_not_found_error' } });
      expect((await call(sim, 'POST', '/tokenizers/estimate-token-count', chat)).status).toBe(404);
      expect((await call(sim, 'GET', '/models/moonshot-v1-8k')).status).toBe(404);
      const ids = (await call(sim, 'GET', '/models')).json.data.map((m: any) => m.id);
      expect(ids).toContain('kimi-k3');
      expect(ids).not.toContain('kimi-k2.5');
      expect(ids).not.toContain('kimi-latest');
      expect((await call(sim, 'POST', '/chat/completions', { ...chat, model: 'kimi-k2.6' })).status).toBe(200);
    } finally {
      await sim.close();
    }
  });

  it('before the date, or without the option (the default), the id is served', async () => {
    const early = await startSimulator({ quiet: true, retireModels: true, now: () => before });
    const lenient = await startSimulator({ quiet: true, now: () => after });
    try {
      expect((await call(early, 'POST', '/chat/completions', chat)).status).toBe(200);
      expect((await call(early, 'POST', '/chat/completions', { ...chat, model: 'kimi-latest' })).status).toBe(200);
      expect((await call(lenient, 'POST', '/chat/completions', chat)).status).toBe(200);
    } finally {
      await early.close();
      await lenient.close();
    }
  });
});
