import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MoonshotStreamTransformer } from '../providers/moonshot/transform-stream.js';
import { PassthroughStreamTransformer } from '../providers/openai-compatible/passthrough-stream.js';
import { StreamTransformerBase } from '../providers/stream-transformer-base.js';
import type { StreamTransformer } from '../providers/types.js';
import { upstreamResponse as upstream } from '../../test/helpers/upstream-response.js';
import { TransformedEventStream } from './transformed-event-stream.js';
import type { EventBytes } from './transformed-event-stream.js';
import { UpstreamPools } from './pool.js';
import { sendUpstreamRequest } from './send-request.js';
import { StopSwitch } from './stop-switch.js';
import { UpstreamBody } from './upstream-body.js';
import type { FlowControl } from './upstream-body.js';

/** The two ways a stream is read: pulled a read at a time (the router), pushed to a writer (the pipe). */
const readers: Record<string, (stream: TransformedEventStream) => Promise<string[]>> = {
  'pulled with next()': async (stream) => {
    const out: string[] = [];
    for (let next = await stream.next(); next !== null; next = await stream.next()) out.push(String(next));
    return out;
  },
  'pushed with forward()': async (stream) => {
    const out: string[] = [];
    await stream.forward((text) => out.push(String(text)) > 0, () => Promise.resolve());
    return out;
  },
};

const chunk = '{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hi"}}]}';
/** The chunk, numbered: `#n` in place of its content. */
const event = (n: number) => `data: ${chunk.replace('Hi', `#${n}`)}\n\n`;
const passthrough = () => new PassthroughStreamTransformer({ providerName: 'p', forwardUsageChunk: true });

/** A stream over a body fed by hand (push, end, fail), as undici's dispatcher feeds it. */
function liveStream(flow: Partial<FlowControl> = {}, maxEventChars?: number): { body: UpstreamBody; stream: TransformedEventStream } {
  const body = new UpstreamBody({ pause: () => {}, resume: () => {}, abort: () => {}, ...flow });
  return { body, stream: new TransformedEventStream({ status: 200, headers: {}, body }, passthrough(), maxEventChars) };
}

describe.each(Object.entries(readers))('TransformedEventStream, %s', (_, all) => {
  it('gives each network read’s output at once, events split across reads included', async () => {
    const stream = new TransformedEventStream(upstream([`data: ${chunk.slice(0, 20)}`, `${chunk.slice(20)}\n\n`, 'data: [DONE]\n\n']), passthrough());
    expect(await all(stream)).toEqual([`data: ${chunk}\n\n`, 'data: [DONE]\n\n']);
  });

  it('decodes characters split between network reads', async () => {
    const text = chunk.replace('Hi', 'héllo 🌙');
    const bytes = Buffer.from(`data: ${text}\n\ndata: [DONE]\n\n`);
    const e = bytes.indexOf(Buffer.from('é'));
    const moon = bytes.indexOf(Buffer.from('🌙'));
    const reads = [bytes.subarray(0, e + 1), bytes.subarray(e + 1, moon + 2), bytes.subarray(moon + 2)];
    const stream = new TransformedEventStream(upstream(reads), passthrough());
    expect((await all(stream)).join('')).toBe(`data: ${text}\n\ndata: [DONE]\n\n`);
  });

  it('drops a byte-order mark that opens the stream, even split between reads', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`data: ${chunk}\n\ndata: [DONE]\n\n`)]);
    const stream = new TransformedEventStream(upstream([bytes.subarray(0, 2), bytes.subarray(2)]), passthrough());
    expect((await all(stream)).join('')).toBe(`data: ${chunk}\n\ndata: [DONE]\n\n`);
  });

  it('takes a final [DONE] without its blank line as the end', async () => {
    const stream = new TransformedEventStream(upstream([`data: ${chunk}\n\n`, 'data: [DONE]\n']), passthrough());
    expect(await all(stream)).toEqual([`data: ${chunk}\n\n`, 'data: [DONE]\n\n']);
  });

  it('ends with an error event when the upstream stops before [DONE]', async () => {
    const stream = new TransformedEventStream(upstream([`data: ${chunk}\n\n`]), passthrough());
    const out = await all(stream);
    expect(out[1]).toContain('upstream_stream_incomplete');
  });

  it('reads a body with no event at all (a bare error object) as one event, so its message reaches the client', async () => {
    const body = '{"error":{"message":"Internal server error","type":"server_error"}}';
    const stream = new TransformedEventStream(upstream([body.slice(0, 10), body.slice(10)]), passthrough());
    const out = (await all(stream)).join('');
    expect(out).toContain('Internal server error');
    expect(out).not.toContain('upstream_stream_incomplete');
  });

  it('still says "closed before it finished" for a stream of keep-alive comments only', async () => {
    const stream = new TransformedEventStream(upstream([': keep-alive\n\n', ': keep-alive\n\n']), passthrough());
    expect((await all(stream)).join('')).toContain('upstream_stream_incomplete');
  });

  it('ends a body that is neither events nor JSON with an error showing its start, not forwarding it as data', async () => {
    for (const body of ['<html>502 Bad Gateway</html>', 'event: ping\nretry: 100\n']) {
      const stream = new TransformedEventStream(upstream([body]), passthrough());
      const out = await all(stream);
      expect(out).toHaveLength(1);
      expect(out[0]).toMatch(/^data: \{"error":/);
      expect(out[0]).toContain('upstream_stream_incomplete');
      expect(out[0]).toContain(body.slice(0, 10));
    }
  });

  it('ends with an error event, and closes the upstream, when an event or a line grows past its limit', async () => {
    const huge = upstream([`data: ${chunk}\n\n`, `data: {"content":"${'x'.repeat(600)}`, 'x'.repeat(600), '"}\n\n', 'data: [DONE]\n\n']);
    const stream = new TransformedEventStream(huge, passthrough(), 1_000);
    const out = await all(stream);
    expect(out[0]).toBe(`data: ${chunk}\n\n`);
    expect(out.at(-1)).toMatch(/^data: \{"error":\{"message":"p: upstream sent more than 1000 characters without ending an event/);
    expect(out.join('')).not.toContain('[DONE]');
    expect(stream.transformer.failure?.code).toBe('upstream_stream_incomplete');
    expect(huge.body.destroyed).toBe(true);
  });

  it('reads an `event: error` as the upstream error it is, whatever its data', async () => {
    const stream = new TransformedEventStream(upstream([`data: ${chunk}\n\n`, 'event: error\ndata: {"message":"worker died"}\n\n']), passthrough());
    const out = await all(stream);
    expect(out).toHaveLength(2);
    expect(out[1]).toMatch(/^data: \{"error":\{"message":"p: worker died"/);
    expect(stream.transformer.failure?.rawMessage).toBe('worker died');
  });
});

describe('TransformedEventStream.forward', () => {

  it('writes each read as it arrives, in the push that brought it, and resolves after the end', async () => {
    const { body: live, stream } = liveStream();
    const out: string[] = [];
    const done = stream.forward((text) => out.push(String(text)) > 0, () => Promise.resolve());
    live.push(Buffer.from(event(1)));
    expect(out).toEqual([event(1)]);
    live.push(Buffer.from(event(2).slice(0, 10)));
    expect(out).toHaveLength(1);
    live.push(Buffer.from(`${event(2).slice(10)}data: [DONE]\n\n`));
    expect(out).toEqual([event(1), `${event(2)}data: [DONE]\n\n`]);
    live.end();
    await expect(done).resolves.toBeUndefined();
  });

  it('calls `ended` in the push that wrote the last bytes, right after writing them; never for a stream that broke', async () => {
    const { body: live, stream } = liveStream();
    const seen: string[] = [];
    const done = stream.forward(
      (text) => seen.push(String(text)) > 0,
      () => Promise.resolve(),
      () => seen.push('ended'),
    );
    live.push(Buffer.from(event(1)));
    expect(seen).toEqual([event(1)]);
    live.push(Buffer.from('data: [DONE]\n\n'));
    expect(seen).toEqual([event(1), 'data: [DONE]\n\n', 'ended']);
    await expect(done).resolves.toBeUndefined();

    const broken = new TransformedEventStream(upstream([event(1)], new Error('other side closed')), passthrough());
    const calls: string[] = [];
    await expect(broken.forward(() => true, () => Promise.resolve(), () => calls.push('ended'))).rejects.toThrow('other side closed');
    expect(calls).toEqual([]);
  });

  it('calls `ended` inside forward() when the first read already held the whole stream', async () => {
    const { body: live, stream } = liveStream();
    const first = stream.next();
    live.push(Buffer.from(`${event(1)}data: [DONE]\n\n`));
    expect(String(await first)).toContain('[DONE]');
    const seen: string[] = [];
    const done = stream.forward(
      (text) => seen.push(String(text)) > 0,
      () => Promise.resolve(),
      () => seen.push('ended'),
    );
    expect(seen).toEqual(['ended']);
    await expect(done).resolves.toBeUndefined();
  });

  it('calls `ended` only once a full client could take the last bytes', async () => {
    const { body: live, stream } = liveStream();
    const seen: string[] = [];
    let writable!: () => void;
    const done = stream.forward(
      (text) => seen.push(String(text)) < 0,
      () => new Promise<void>((resolve) => (writable = resolve)),
      () => seen.push('ended'),
    );
    live.push(Buffer.from('data: [DONE]\n\n'));
    expect(seen).toEqual(['data: [DONE]\n\n']);
    writable();
    await expect(done).resolves.toBeUndefined();
    expect(seen).toEqual(['data: [DONE]\n\n', 'ended']);
  });

  it('calls `ended` after an oversized event’s error, and resolves even if `ended` throws', async () => {
    const { body: live, stream } = liveStream({}, 100);
    const seen: string[] = [];
    const done = stream.forward(
      (text) => seen.push(String(text)) > 0,
      () => Promise.resolve(),
      () => {
        seen.push('ended');
        throw new Error('end threw');
      },
    );
    live.push(Buffer.from(`data: ${'x'.repeat(500)}`));
    await expect(done).resolves.toBeUndefined();
    expect(seen).toHaveLength(2);
    expect(seen[0]).toMatch(/more than 100 characters/);
    expect(seen[1]).toBe('ended');
  });

  it('stops writing while the client is full, keeps the reads that come meanwhile in order, and pauses the socket past 64 KB', async () => {
    const flow = { paused: 0, resumed: 0 };
    const { body: live, stream } = liveStream({ pause: () => void flow.paused++, resume: () => void flow.resumed++ }, 200_000);
    const out: string[] = [];
    let clientReady!: () => void;
    let waits = 0;
    const done = stream.forward(
      (text) => out.push(String(text)) !== 1,
      () => {
        waits++;
        return new Promise((resolve) => (clientReady = resolve));
      },
    );
    live.push(Buffer.from(event(1)));
    const big = `data: ${chunk.replace('Hi', 'x'.repeat(40_000))}\n\n`;
    live.push(Buffer.from(big));
    live.push(Buffer.from(big));
    expect(out).toEqual([event(1)]);
    expect(waits).toBe(1);
    expect(flow.paused).toBe(1);
    live.push(Buffer.from('data: [DONE]\n\n'));
    clientReady();
    await done;
    expect(out).toEqual([event(1), big, big, 'data: [DONE]\n\n']);
    expect(flow.resumed).toBe(1);
  });

  it('writes the events before a broken connection, then rejects with its error', async () => {
    const stream = new TransformedEventStream(upstream([event(1)], new Error('other side closed')), passthrough());
    const out: string[] = [];
    await expect(stream.forward((text) => out.push(String(text)) > 0, () => Promise.resolve())).rejects.toThrow('other side closed');
    expect(out).toEqual([event(1)]);
  });

  it('rejects when the stream is destroyed from outside (a stop, the idle timer)', async () => {
    const { body: live, stream } = liveStream();
    const done = stream.forward(() => true, () => Promise.resolve());
    live.push(Buffer.from(event(1)));
    stream.destroy();
    await expect(done).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
  });

  it('rejects with the reason the client will not be writable again, and closes the upstream', async () => {
    const res = upstream([event(1), event(2)]);
    const stream = new TransformedEventStream(res, passthrough());
    const gone = new Error('client gone');
    await expect(stream.forward(() => false, () => Promise.reject(gone))).rejects.toBe(gone);
    expect(res.body.destroyed).toBe(true);
  });

  it('rejects, and closes the upstream, when writing throws', async () => {
    const res = upstream([event(1)]);
    const stream = new TransformedEventStream(res, passthrough());
    await expect(
      stream.forward(
        () => {
          throw new Error('write after end');
        },
        () => Promise.resolve(),
      ),
    ).rejects.toThrow('write after end');
    expect(res.body.destroyed).toBe(true);
  });

  it('resolves at once, writing nothing, for a stream the first read already ended', async () => {
    const stream = new TransformedEventStream(upstream([`${event(1)}data: [DONE]\n\n`]), passthrough());
    expect(String(await stream.next())).toBe(`${event(1)}data: [DONE]\n\n`);
    const out: string[] = [];
    await stream.forward((text) => out.push(String(text)) > 0, () => Promise.resolve());
    expect(out).toEqual([]);
  });
});

/**
 * undici's resume() parses what the socket buffered while paused before it returns: reads, the
 * end or a break can arrive inside it, while the body is handing its queue to the stream.
 */
describe('TransformedEventStream.forward, with reads arriving inside the socket’s resume', () => {
  const big = (n: number) => `data: ${chunk.replace('Hi', `#${n}`.padEnd(40_000, 'x'))}\n\n`;

  /** A stream whose client is full after the first write and after `event(4)`, and whose socket delivers `onResume` when resumed. */
  async function run(onResume: (body: UpstreamBody) => void): Promise<{ out: string; result: unknown }> {
    let resumes = 0;
    const { body, stream } = liveStream({ resume: () => void (resumes++ === 0 && onResume(body)) }, 200_000);
    const out: string[] = [];
    const clientWaits: (() => void)[] = [];
    const done = stream
      .forward(
        (text) => out.push(String(text)) !== 1 && String(text) !== event(4),
        () => new Promise((resolve) => clientWaits.push(resolve)),
      )
      .then(
        () => 'resolved',
        (err: Error) => err.message,
      );
    body.push(Buffer.from(event(1)));
    body.push(Buffer.from(big(2)));
    body.push(Buffer.from(big(3))); // 80 KB queued: the socket is paused
    for (let i = 0; i < 20; i++) {
      clientWaits.shift()?.();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    return { out: out.join(''), result: await done };
  }

  it('takes the rest of the stream and its end', async () => {
    const { out, result } = await run((body) => {
      body.push(Buffer.from('data: [DONE]\n\n'));
      body.end();
    });
    expect(out).toBe(event(1) + big(2) + big(3) + 'data: [DONE]\n\n');
    expect(result).toBe('resolved');
  });

  it('keeps the reads queued when the client fills up again, and gives the end after them', async () => {
    const { out, result } = await run((body) => {
      body.push(Buffer.from(event(4)));
      body.push(Buffer.from(event(5)));
      body.push(Buffer.from('data: [DONE]\n\n'));
      body.end();
    });
    expect(out).toBe(event(1) + big(2) + big(3) + event(4) + event(5) + 'data: [DONE]\n\n');
    expect(result).toBe('resolved');
  });

  it('gives a break after the reads that came before it', async () => {
    const { out, result } = await run((body) => {
      body.push(Buffer.from(event(4)));
      body.push(Buffer.from(event(5)));
      body.fail(new Error('other side closed'));
    });
    expect(out).toBe(event(1) + big(2) + big(3) + event(4) + event(5));
    expect(result).toBe('other side closed');
  });
});

describe('TransformedEventStream.forward, from a real undici connection', () => {
  const COUNT = 40;
  const numbered = (n: number) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: `<${n}>${'x'.repeat(20_000)}` } }] })}\n\n`;
  let server: Server;
  let origin = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume().on('end', () => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (let i = 0; i < COUNT; i++) res.write(numbered(i));
        res.end('data: [DONE]\n\n');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  // Which writes find the client full: every other one, every third, or two of them.
  const clients: [string, (write: number) => boolean][] = [
    ['full after every other write', (n) => n % 2 !== 0],
    ['full after every third write', (n) => n % 3 !== 0],
    ['full after the 1st and the 30th write', (n) => n !== 1 && n !== 30],
  ];
  it.each(clients)('gives a slow client (%s) every event in order, then [DONE]', async (_, takes) => {
    const pools = new UpstreamPools();
    try {
      const res = await sendUpstreamRequest(pools, { baseUrl: origin, path: '/x', headers: {}, body: '{}', signal: new StopSwitch(), timeoutMs: 10_000, providerName: 'p' });
      const stream = new TransformedEventStream(res, passthrough());
      let text = String((await stream.next())!);
      let writes = 0;
      await stream.forward(
        (out) => {
          text += String(out);
          return takes(++writes);
        },
        () => new Promise((resolve) => setTimeout(resolve, 2)),
      );
      expect([...text.matchAll(/<(\d+)>/g)].map((m) => Number(m[1]))).toEqual([...Array(COUNT).keys()]);
      expect(text.endsWith('}\n\ndata: [DONE]\n\n')).toBe(true);
    } finally {
      await pools.close();
    }
  });
});

/**
 * A read whose bytes are exactly its events, each passed on unchanged, is sent as the read itself
 * (no string built and encoded again). Anything else is sent as text, as before.
 */
describe('TransformedEventStream, reads sent as they came', () => {
  const fixtureDir = new URL('../../fixtures/moonshot-wire/', import.meta.url);
  const fixtures = readdirSync(fixtureDir).filter((f) => f.endsWith('.chunks.txt'));
  /** A fixture as Moonshot sent it: each line one event, then [DONE]. */
  const wire = (file: string): string =>
    readFileSync(new URL(file, fixtureDir), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => `data: ${line}\n\n`)
      .join('') + 'data: [DONE]\n\n';

  type Options = { captureResponse: boolean; clientWantsUsage: boolean };
  const moonshot = (o: Options) => new MoonshotStreamTransformer({ providerName: 'moonshot', ...o });
  /** The same transformer, seen never to pass an event on unchanged: every read is sent as text. */
  const textOnly = (t: StreamTransformer): StreamTransformer => new Proxy(t, { get: (o, k, r) => (k === 'eventsPassedOn' ? 0 : Reflect.get(o, k, r)) });

  async function send(reads: Buffer[], transformer: StreamTransformer) {
    const stream = new TransformedEventStream(upstream(reads), transformer);
    const out: EventBytes[] = [];
    const first = await stream.next();
    if (first !== null) {
      out.push(first);
      await stream.forward((bytes) => out.push(bytes) > 0, () => Promise.resolve()).catch(() => {});
    }
    return {
      bytes: Buffer.concat(out.map((o) => (typeof o === 'string' ? Buffer.from(o) : o))).toString('latin1'),
      asRead: out.filter((o) => typeof o !== 'string') as Buffer[],
      answer: transformer.assembled(),
      usage: transformer.usage,
      failure: transformer.failure,
    };
  }

  /** Sends `reads` both ways and checks they agree; returns what this way sent as reads. */
  async function sameAsText(reads: Buffer[], o: Options): Promise<Buffer[]> {
    const fast = await send(reads, moonshot(o));
    const { asRead, ...rest } = fast;
    const slow = await send(reads, textOnly(moonshot(o)));
    expect(slow.asRead).toEqual([]);
    expect(rest).toEqual({ bytes: slow.bytes, answer: slow.answer, usage: slow.usage, failure: slow.failure });
    return asRead;
  }

  it('sends a read of whole unchanged events as that very read', async () => {
    const events = wire('moonshot-text.chunks.txt').split(/(?<=\n\n)/);
    const reads = [events.slice(0, 2).join(''), events[2]!, events[3]!].map((r) => Buffer.from(r));
    // The role chunk and a content chunk, unchanged; the finish, whose usage is taken out; [DONE].
    expect(await sameAsText(reads, { captureResponse: true, clientWantsUsage: false })).toEqual([reads[0], reads[2]]);
    const fast = await send(reads, moonshot({ captureResponse: true, clientWantsUsage: false }));
    expect(fast.asRead[0]).toBe(reads[0]);
    // The client asked for usage: the usage chunk goes before [DONE], and that read is text.
    expect(await sameAsText(reads, { captureResponse: true, clientWantsUsage: true })).toEqual([reads[0]]);
  });

  it('sends every fixture, read by read, as the text path does', async () => {
    let asRead = 0;
    for (const file of fixtures) {
      const events = wire(file).split(/(?<=\n\n)/);
      for (const o of [
        { captureResponse: true, clientWantsUsage: true },
        { captureResponse: false, clientWantsUsage: false },
      ]) {
        asRead += (await sameAsText(events.map((e) => Buffer.from(e)), o)).length;
        asRead += (await sameAsText([Buffer.from(events.join(''))], o)).length;
      }
    }
    expect(asRead).toBeGreaterThan(fixtures.length);
  });

  // Each changes one read of the live text stream; the read it changes must go as text.
  const odd: [string, (read: string) => Buffer][] = [
    ['a comment before the event', (r) => Buffer.from(`: keep-alive\n\n${r}`)],
    ['a comment after the event', (r) => Buffer.from(`${r}: keep-alive\n\n`)],
    ['CRLF line ends', (r) => Buffer.from(r.replaceAll('\n', '\r\n'))],
    ['no space after the colon', (r) => Buffer.from(r.replace('data: ', 'data:'))],
    ['an event type', (r) => Buffer.from(`event: message\n${r}`)],
    ['an id', (r) => Buffer.from(`${r.slice(0, -1)}id: 7\n\n`)],
    ['a data line split in two', (r) => Buffer.from(r.replace('"index"', '\ndata: "index"'))],
    // In the text, where the event still reads: sent as it came, the client would get the byte, not U+FFFD.
    ['an invalid UTF-8 byte', (r) => withBytesInText(r, [0xff])],
    ['a truncated 4-byte character, as long as its replacement', (r) => withBytesInText(r, [0xf0, 0x9f, 0x98])],
    ['the start of a character at its end', (r) => Buffer.concat([Buffer.from(r), Buffer.from('🌙').subarray(0, 2)])],
    ['half an event at its end', (r) => Buffer.from(`${r}data: {"id":`)],
  ];
  function withBytesInText(read: string, bytes: number[]): Buffer {
    const at = read.indexOf('Hello') + 3;
    return Buffer.concat([Buffer.from(read.slice(0, at)), Buffer.from(bytes), Buffer.from(read.slice(at))]);
  }

  it.each(odd)('sends a read with %s as text', async (_, change) => {
    const events = wire('moonshot-text.chunks.txt').split(/(?<=\n\n)/);
    const reads: Buffer[] = events.map((e) => Buffer.from(e));
    reads[1] = change(events[1]!);
    const asRead = await sameAsText(reads, { captureResponse: true, clientWantsUsage: false });
    expect(asRead).not.toContain(reads[1]);
    // The read before it still went as it came.
    expect(asRead).toContain(reads[0]);
  });

  it('sends as text an event named `error` by the read before, even when passed on', async () => {
    class PassingAllOn extends StreamTransformerBase {
      onData(data: string): string {
        return this.passOn(data);
      }
      get usage() {
        return undefined;
      }
    }
    const reads = ['event: error\n', 'data: {"message":"boom"}\n\n'].map((r) => Buffer.from(r));
    const stream = new TransformedEventStream(upstream(reads), new PassingAllOn('p', false));
    expect(await stream.next()).toBe('data: {"error":{"message":"boom"}}\n\n');
  });

  it('still sends the events passed on before a transformer threw, as the text path did', async () => {
    class ThrowingOnce extends PassthroughStreamTransformer {
      override onData(data: string): string {
        if (data === 'boom') throw new Error('boom');
        return super.onData(data);
      }
    }
    const stream = new TransformedEventStream(upstream(['data: a\n\ndata: boom\n\n', 'data: [DONE]\n\n']), new ThrowingOnce({ providerName: 'p', forwardUsageChunk: true }));
    await expect(stream.next()).rejects.toThrow('boom');
    expect(await stream.next()).toBe('data: a\n\n');
    expect(String(await stream.next())).toBe('data: [DONE]\n\n');
  });

  it('sends as it came a read framed oddly that the text path would send byte for byte the same', async () => {
    // Two spaces after the colon: the data starts with a space, which `sseEvent` frames back as two.
    const events = wire('moonshot-text.chunks.txt').split(/(?<=\n\n)/);
    const reads: Buffer[] = events.map((e) => Buffer.from(e));
    reads[1] = Buffer.from(events[1]!.replace('data: ', 'data:  '));
    expect(await sameAsText(reads, { captureResponse: true, clientWantsUsage: false })).toContain(reads[1]);
  });

  it('sends as text a read that opens with a byte-order mark, or a character split from the read before', async () => {
    const events = wire('moonshot-text.chunks.txt').split(/(?<=\n\n)/);
    const bom = [Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(events[0]!)]), ...events.slice(1).map((e) => Buffer.from(e))];
    expect(await sameAsText(bom, { captureResponse: true, clientWantsUsage: true })).not.toContain(bom[0]);
    const moon = Buffer.from(events[1]!.replace('Hello', 'Hello 🌙'));
    const at = moon.indexOf(Buffer.from('🌙')) + 2;
    const split = [Buffer.from(events[0]!), moon.subarray(0, at), Buffer.concat([moon.subarray(at), Buffer.from(events[2]!)]), ...events.slice(3).map((e) => Buffer.from(e))];
    const asRead = await sameAsText(split, { captureResponse: true, clientWantsUsage: true });
    expect(asRead).toEqual([split[0]]);
  });

  it('agrees with the text path on fixtures cut at random places, with odd bytes put in', async () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const inserts = [': c\n\n', '\r\n', '\n', 'data:', 'event: error\n', '\xff', 'data: {"error":{"message":"x"}}\n\n', '🌙'];
    let asRead = 0;
    for (let round = 0; round < 300; round++) {
      const file = fixtures[random(fixtures.length)]!;
      let bytes = Buffer.from(wire(file));
      if (random(2) === 0) {
        const at = random(bytes.length);
        const insert = inserts[random(inserts.length)]!;
        bytes = Buffer.concat([bytes.subarray(0, at), insert === '\xff' ? Buffer.from([0xff]) : Buffer.from(insert), bytes.subarray(at)]);
      }
      const reads: Buffer[] = [];
      for (let at = 0; at < bytes.length; ) {
        // Mostly whole events, as a live stream reads; sometimes a cut anywhere, even inside a character.
        const end = random(3) === 0 ? at + 1 + random(300) : bytes.indexOf('\n\n', at) + 2 || bytes.length;
        reads.push(bytes.subarray(at, Math.min(end, bytes.length)));
        at = Math.min(end, bytes.length);
      }
      asRead += (await sameAsText(reads, { captureResponse: random(2) === 0, clientWantsUsage: random(2) === 0 })).length;
    }
    expect(asRead).toBeGreaterThan(300);
  });
});
