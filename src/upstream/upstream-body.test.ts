import { describe, expect, it } from 'vitest';
import { ANSWER_TOO_LARGE, UpstreamBody } from './upstream-body.js';

function body() {
  const flow = { paused: 0, resumed: 0, aborted: [] as Error[] };
  const b = new UpstreamBody({ pause: () => void flow.paused++, resume: () => void flow.resumed++, abort: (reason) => void flow.aborted.push(reason) });
  return { b, flow };
}

describe('UpstreamBody', () => {
  it('hands a chunk to a waiting reader, queues the others in order, then ends', async () => {
    const { b } = body();
    const waiting = b.read();
    b.push(Buffer.from('a'));
    expect(String(await waiting)).toBe('a');
    b.push(Buffer.from('b'));
    b.push(Buffer.from('c'));
    b.end();
    expect(String(await b.read())).toBe('b');
    expect(String(await b.read())).toBe('c');
    expect(await b.read()).toBeNull();
    expect(await b.read()).toBeNull();
  });

  it('gives the chunks that came before a break, then the error', async () => {
    const { b } = body();
    b.push(Buffer.from('a'));
    b.fail(new Error('other side closed'));
    expect(String(await b.read())).toBe('a');
    await expect(b.read()).rejects.toThrow('other side closed');
  });

  it('pauses the socket once 64 KB wait unread, and resumes it when the reader has caught up', async () => {
    const { b, flow } = body();
    for (let i = 0; i < 3; i++) b.push(Buffer.alloc(16 * 1024));
    expect(flow.paused).toBe(0);
    b.push(Buffer.alloc(16 * 1024));
    b.push(Buffer.alloc(16 * 1024));
    expect(flow.paused).toBe(1);
    for (let i = 0; i < 4; i++) await b.read();
    expect(flow.resumed).toBe(0);
    await b.read();
    expect(flow.resumed).toBe(1);
  });

  it('reads the rest as text without a byte-order mark that opens it', async () => {
    const { b } = body();
    b.push(Buffer.from([0xef, 0xbb, 0xbf]));
    b.push(Buffer.from('{"error":{}}'));
    b.end();
    await expect(b.text()).resolves.toBe('{"error":{}}');
  });

  it('reads the rest as text', async () => {
    const { b } = body();
    b.push(Buffer.from('{"error":'));
    b.push(Buffer.from('{"message":"é"}}'));
    b.end();
    await expect(b.text()).resolves.toBe('{"error":{"message":"é"}}');
  });

  it('on destroy closes the connection and fails a waiting read and every later one', async () => {
    const { b, flow } = body();
    const waiting = b.read();
    b.destroy();
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
    await expect(b.read()).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
    expect(flow.aborted).toHaveLength(1);
    expect(b.destroyed).toBe(true);
  });

  it('leaves a connection that has ended alone when destroyed', () => {
    const { b, flow } = body();
    b.end();
    b.destroy();
    expect(flow.aborted).toHaveLength(0);
  });

  it('throws away the rest after discardRest, resuming a paused socket, and closes it if the end does not come', async () => {
    const { b, flow } = body();
    for (let i = 0; i < 5; i++) b.push(Buffer.alloc(16 * 1024));
    expect(flow.paused).toBe(1);
    b.discardRest(20);
    expect(flow.resumed).toBe(1);
    b.push(Buffer.from('late'));
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(flow.aborted).toHaveLength(1);
  });

  it('does not close a connection whose rest arrived in time after discardRest', async () => {
    const { b, flow } = body();
    b.discardRest(20);
    b.end();
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(flow.aborted).toHaveLength(0);
  });

  it('reads the rest as text up to a limit, past which it closes the connection and says so by code', async () => {
    const { b, flow } = body();
    b.push(Buffer.from('0123456789'));
    b.push(Buffer.from('0123456789'));
    const reading = b.text(15);
    await expect(reading).rejects.toMatchObject({ code: ANSWER_TOO_LARGE });
    expect(b.destroyed).toBe(true);
    expect(flow.aborted).toHaveLength(1);

    const small = body();
    small.b.push(Buffer.from('{"ok":1}'));
    small.b.end();
    expect(await small.b.text(8)).toBe('{"ok":1}');
  });

  describe('delivering to a sink', () => {
    function sink(takes: (n: number) => boolean = () => true) {
      const log: string[] = [];
      return {
        log,
        data: (chunk: Buffer) => takes(log.push(String(chunk))),
        end: () => void log.push('end'),
        fail: (err: Error) => void log.push(`fail: ${err.message}`),
      };
    }

    it('hands over the queued chunks at once, then each chunk as it is pushed, then the end', () => {
      const { b } = body();
      b.push(Buffer.from('a'));
      b.push(Buffer.from('b'));
      const s = sink();
      b.deliverTo(s);
      expect(s.log).toEqual(['a', 'b']);
      b.push(Buffer.from('c'));
      expect(s.log).toEqual(['a', 'b', 'c']);
      b.end();
      b.end();
      expect(s.log).toEqual(['a', 'b', 'c', 'end']);
    });

    it('keeps chunks, and then the end, while the sink is full; pauses the socket past 64 KB and resumes it once delivered', () => {
      const { b, flow } = body();
      const s = sink((n) => n !== 1);
      b.deliverTo(s);
      b.push(Buffer.from('first'));
      for (let i = 0; i < 4; i++) b.push(Buffer.alloc(16 * 1024, 'x'));
      b.end();
      expect(s.log).toEqual(['first']);
      expect(flow.paused).toBe(1);
      b.resumeDelivery();
      expect(s.log).toHaveLength(6);
      expect(s.log.at(-1)).toBe('end');
      expect(flow.resumed).toBe(1);
    });

    it('gives the chunks that came before a break, then the failure', () => {
      const { b } = body();
      b.push(Buffer.from('a'));
      b.fail(new Error('other side closed'));
      const s = sink();
      b.deliverTo(s);
      expect(s.log).toEqual(['a', 'fail: other side closed']);
    });

    it('on destroy fails at once, even a full sink, and closes the connection', () => {
      const { b, flow } = body();
      const s = sink(() => false);
      b.deliverTo(s);
      b.push(Buffer.from('a'));
      b.push(Buffer.from('b'));
      b.destroy();
      expect(s.log).toEqual(['a', 'fail: the upstream body was closed before its end']);
      expect(flow.aborted).toHaveLength(1);
    });

    it('stops delivering after discardRest', () => {
      const { b } = body();
      const s = sink();
      b.deliverTo(s);
      b.discardRest(1_000);
      b.push(Buffer.from('late'));
      b.end();
      expect(s.log).toEqual([]);
    });
  });
});
