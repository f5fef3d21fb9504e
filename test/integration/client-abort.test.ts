import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

async function waitFor(check: () => boolean, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const lastChat = () => stack.sim.requests.filter((r) => r.path.endsWith('/chat/completions')).at(-1)!;

describe('a client that goes away aborts the upstream request', () => {
  it('while streaming', async () => {
    const controller = new AbortController();
    const stream = await stack.client.chat.completions.create(
      {
        model: 'moonshot/kimi-k2.6',
        messages: [{ role: 'user', content: 'long answer [[sim:tokens=400]] [[sim:token_delay=20]]' }],
        stream: true,
      },
      { signal: controller.signal },
    );
    let received = 0;
    // The SDK ends the iteration quietly when its own signal aborts it.
    for await (const _chunk of stream) {
      if (++received === 3) controller.abort();
    }
    await waitFor(() => lastChat().aborted);
    expect(lastChat().finished).toBe(false);
    expect(received).toBe(3);
  });

  it('while waiting for a non-stream answer', async () => {
    const controller = new AbortController();
    const pending = stack.client.chat.completions.create(
      { model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'slow [[sim:latency=3000]]' }] },
      { signal: controller.signal },
    );
    await waitFor(() => stack.sim.stats.inFlight > 0);
    controller.abort();
    await expect(pending).rejects.toThrow();
    await waitFor(() => lastChat().aborted);
    expect(stack.sim.stats.aborted).toBeGreaterThanOrEqual(1);
  });
});
