import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, upstreamBody, upstreamText } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

/**
 * A long conversation (over 64 KB) goes upstream as a one-shot iterable that undici lets go of once
 * written (`upstream/request-body.ts`), not as a Buffer it would keep until the answer ends. What
 * the upstream receives must be the same: whole, on every attempt (the content-length header is
 * checked in `dispatch-upstream.test.ts`).
 */
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    configYaml: `
router: { retries: 1, cooldown: { fails: 1000 }, backoff_ms: 0 }
providers:
  moonshot:
    regions: { global: \${SIM}/v1, cn: \${SIM}/cn/v1 }
    credentials:
      - { name: main, api_key: sk-test-global-0001, region: global }
`,
  });
});
afterAll(() => stack.close());

// ~130 KB of UTF-8 (non-ASCII too), well past the 64 KB threshold.
const turn = 'The Moon — 月 — keeps our tides and our calendars. '.repeat(40);
const conversation = (question: string) => {
  const messages: { role: 'user' | 'assistant'; content: string }[] = [];
  while (JSON.stringify(messages).length < 120 * 1024) messages.push({ role: 'user', content: turn }, { role: 'assistant', content: turn });
  messages.push({ role: 'user', content: question });
  return messages;
};

describe('a long conversation upstream', () => {
  it('streams: the upstream gets every message', async () => {
    const messages = conversation('Summarise. [[sim:tokens=5]]');
    const stream = await stack.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toContain('token4');
    expect(upstreamBody(stack.sim).messages).toEqual(messages);
    expect(Buffer.byteLength(upstreamText(stack.sim))).toBeGreaterThan(120 * 1024);
  });

  it('JSON, retried after a 500: the second attempt sends the whole body again', async () => {
    stack.sim.injectFault({ status: 500 });
    const before = stack.sim.requests.length;
    const messages = conversation('Summarise. [[sim:tokens=3]]');
    const answer = await stack.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages });
    expect(answer.choices[0]?.message.content).toContain('token2');
    const attempts = stack.sim.requests.slice(before);
    expect(attempts).toHaveLength(2);
    for (const attempt of attempts) expect((attempt.body as { messages: unknown }).messages).toEqual(messages);
    expect(attempts[1]!.text).toBe(attempts[0]!.text);
  });
});
