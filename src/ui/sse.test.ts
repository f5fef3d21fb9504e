import { describe, expect, it } from 'vitest';
import { readSse } from './sse.js';

function body(...parts: string[]): ReadableStream<Uint8Array> {
  const bytes = parts.map((p) => new TextEncoder().encode(p));
  return new ReadableStream({
    pull(controller) {
      const next = bytes.shift();
      if (next) controller.enqueue(next);
      else controller.close();
    },
  });
}

describe('readSse', () => {
  it('says the stream was complete when it ended with [DONE]', async () => {
    const seen: unknown[] = [];
    const complete = await readSse(body('data: {"a":1}\n\n', 'data: [DONE]\n\n'), (d) => seen.push(d));
    expect(seen).toEqual([{ a: 1 }]);
    expect(complete).toBe(true);
  });

  it('says it was not when the body ended without [DONE] (a cut answer is not a finished one)', async () => {
    const seen: unknown[] = [];
    const complete = await readSse(body('data: {"a":1}\n\n', 'data: {"a"'), (d) => seen.push(d));
    expect(seen).toEqual([{ a: 1 }]);
    expect(complete).toBe(false);
  });

  it('reads a last event that has no blank line after it', async () => {
    const seen: unknown[] = [];
    const complete = await readSse(body('data: {"a":1}\n\ndata: {"a":2}\n\ndata: [DONE]'), (d) => seen.push(d));
    expect(seen).toEqual([{ a: 1 }, { a: 2 }]);
    expect(complete).toBe(true);
  });
});
