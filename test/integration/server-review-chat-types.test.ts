import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postRaw, startStack } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

/**
 * A field of OpenAI's with the wrong type: kimi-k2.5 has fixed sampling, so `temperature: "hot"`
 * was dropped and answered 200; moonshot-v1 refused it upstream with `param: null`.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const chat = (fields: Record<string, unknown>): string => JSON.stringify({ model: 'moonshot/kimi-k2.5', messages: [{ role: 'user', content: 'hi' }], ...fields });

describe('chat fields of the wrong type', () => {
  it.each([
    ['moonshot/kimi-k2.5', { temperature: 'hot' }, 'temperature'],
    ['moonshot/moonshot-v1-8k', { top_p: 'x' }, 'top_p'],
    ['moonshot/kimi-k2.6', { n: '3' }, 'n'],
    ['moonshot/kimi-k2.6', { max_tokens: '100' }, 'max_tokens'],
    ['moonshot/kimi-k2.6', { messages: [{ role: 'user', content: { text: 'hi' } }] }, 'messages[0].content'],
  ])('%s with %j: 400 naming `%s`, nothing sent upstream', async (model, fields, param) => {
    const before = stack.sim.requests.length;
    const res = await postRaw(`${stack.url}/v1/chat/completions`, chat({ model, ...fields }), { authorization: 'Bearer x' });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_type', param });
    expect(res.json.error.message).toMatch(new RegExp(`^Invalid type for \`${param.replace(/[[\]]/g, '\\$&')}\``));
    expect(stack.sim.requests.length).toBe(before);
  });

  it('still forwards unknown fields and nulls as sent', async () => {
    const body = chat({ model: 'moonshot/kimi-k2.6', x_vendor: { keep: 'me' }, stop: null, user: 'u1' });
    const res = await postRaw(`${stack.url}/v1/chat/completions`, body, { authorization: 'Bearer x' });
    expect(res.status).toBe(200);
    const sent = stack.sim.requests.filter((r) => r.path.endsWith('/chat/completions')).at(-1)!.body as Record<string, unknown>;
    expect(sent.x_vendor).toEqual({ keep: 'me' });
  });
});
