import type { Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

/**
 * A stream's end (the chunked body's `0\r\n\r\n`) leaves in the same network write as its last
 * event: a write of its own would be one more system call on every stream. Seen from the
 * gateway's side of the client connection, whose writes are recorded.
 */
let stack: Stack;
const writes: string[] = [];

type Chunk = { chunk: Buffer | string };

beforeAll(async () => {
  stack = await startStack();
  stack.gateway.server.on('connection', (socket: Socket) => {
    const raw = socket as Socket & {
      _writev(chunks: Chunk[], cb: (err?: Error) => void): void;
      _write(data: Buffer | string, encoding: BufferEncoding, cb: (err?: Error) => void): void;
    };
    const writev = raw._writev.bind(raw);
    const write = raw._write.bind(raw);
    raw._writev = (chunks, cb) => {
      writes.push(chunks.map((c) => c.chunk.toString()).join(''));
      writev(chunks, cb);
    };
    raw._write = (data, encoding, cb) => {
      writes.push(data.toString());
      write(data, encoding, cb);
    };
  });
});
afterAll(async () => {
  await stack.close();
});

it('sends the stream’s last event and its end in one write', async () => {
  for (const include_usage of [true, false]) {
    writes.length = 0;
    const stream = await stack.client.chat.completions.create({
      model: 'moonshot/kimi-k2.6',
      stream: true,
      stream_options: { include_usage },
      messages: [{ role: 'user', content: 'Hello [[sim:tokens=5]] [[sim:token_delay=3]]' }],
    });
    let chunks = 0;
    for await (const _ of stream) chunks++;
    expect(chunks).toBeGreaterThan(5);
    const last = writes.findIndex((w) => w.includes('data: [DONE]'));
    expect(last).toBeGreaterThan(0);
    expect(writes[last]).toMatch(/data: \[DONE\]\n\n\r\n0\r\n\r\n$/);
    expect(writes.slice(last + 1)).toEqual([]);
  }
});
