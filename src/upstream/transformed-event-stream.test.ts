import { describe, expect, it } from 'vitest';
import { PassthroughStreamTransformer } from '../providers/openai-compatible/passthrough-stream.js';
import { upstreamResponse as upstream } from '../../test/helpers/upstream-response.js';
import { TransformedEventStream } from './transformed-event-stream.js';

async function all(stream: TransformedEventStream): Promise<string[]> {
  const out: string[] = [];
  for (let next = await stream.next(); next !== null; next = await stream.next()) out.push(next);
  return out;
}

const chunk = '{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hi"}}]}';

describe('TransformedEventStream', () => {
  it('gives each network read’s output at once, events split across reads included', async () => {
    const stream = new TransformedEventStream(upstream([`data: ${chunk.slice(0, 20)}`, `${chunk.slice(20)}\n\n`, 'data: [DONE]\n\n']), new PassthroughStreamTransformer({ providerName: 'p', forwardUsageChunk: true }));
    expect(await all(stream)).toEqual([`data: ${chunk}\n\n`, 'data: [DONE]\n\n']);
  });

  it('decodes characters split between network reads', async () => {
    const text = chunk.replace('Hi', 'héllo 🌙');
    const bytes = Buffer.from(`data: ${text}\n\ndata: [DONE]\n\n`);
    const e = bytes.indexOf(Buffer.from('é'));
    const moon = bytes.indexOf(Buffer.from('🌙'));
    const reads = [bytes.subarray(0, e + 1), bytes.subarray(e + 1, moon + 2), bytes.subarray(moon + 2)];
    const stream = new TransformedEventStream(upstream(reads), new PassthroughStreamTransformer({ providerName: 'p', forwardUsageChunk: true }));
    expect((await all(stream)).join('')).toBe(`data: ${text}\n\ndata: [DONE]\n\n`);
  });

  it('drops a byte-order mark that opens the stream, even split between reads', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`data: ${chunk}\n\ndata: [DONE]\n\n`)]);
    const stream = new TransformedEventStream(upstream([bytes.subarray(0, 2), bytes.subarray(2)]), new PassthroughStreamTransformer({ providerName: 'p', forwardUsageChunk: true }));
    expect((await all(stream)).join('')).toBe(`data: ${chunk}\n\ndata: [DONE]\n\n`);
  });

  it('takes a final [DONE] without its blank line as the end', async () => {
    const stream = new TransformedEventStream(upstream([`data: ${chunk}\n\n`, 'data: [DONE]\n']), new PassthroughStreamTransformer({ providerName: 'p', forwardUsageChunk: true }));
    expect(await all(stream)).toEqual([`data: ${chunk}\n\n`, 'data: [DONE]\n\n']);
  });

  it('ends with an error event when the upstream stops before [DONE]', async () => {
    const stream = new TransformedEventStream(upstream([`data: ${chunk}\n\n`]), new PassthroughStreamTransformer({ providerName: 'p', forwardUsageChunk: true }));
    const out = await all(stream);
    expect(out[1]).toContain('upstream_stream_incomplete');
  });

  it('reads a body with no event at all (a bare error object) as one event, so its message reaches the client', async () => {
    const body = '{"error":{"message":"Internal server error","type":"server_error"}}';
    const stream = new TransformedEventStream(upstream([body.slice(0, 10), body.slice(10)]), new PassthroughStreamTransformer({ providerName: 'p', forwardUsageChunk: true }));
    const out = (await all(stream)).join('');
    expect(out).toContain('Internal server error');
    expect(out).not.toContain('upstream_stream_incomplete');
  });

  it('still says "closed before it finished" for a stream of keep-alive comments only', async () => {
    const stream = new TransformedEventStream(upstream([': keep-alive\n\n', ': keep-alive\n\n']), new PassthroughStreamTransformer({ providerName: 'p', forwardUsageChunk: true }));
    expect((await all(stream)).join('')).toContain('upstream_stream_incomplete');
  });

  it('ends a body that is neither events nor JSON with an error showing its start, not forwarding it as data', async () => {
    for (const body of ['<html>502 Bad Gateway</html>', 'event: ping\nretry: 100\n']) {
      const stream = new TransformedEventStream(upstream([body]), new PassthroughStreamTransformer({ providerName: 'p', forwardUsageChunk: true }));
      const out = await all(stream);
      expect(out).toHaveLength(1);
      expect(out[0]).toMatch(/^data: \{"error":/);
      expect(out[0]).toContain('upstream_stream_incomplete');
      expect(out[0]).toContain(body.slice(0, 10));
    }
  });

  it('ends with an error event, and closes the upstream, when an event or a line grows past its limit', async () => {
    const huge = upstream([`data: ${chunk}\n\n`, `data: {"content":"${'x'.repeat(600)}`, 'x'.repeat(600), '"}\n\n', 'data: [DONE]\n\n']);
    const stream = new TransformedEventStream(huge, new PassthroughStreamTransformer({ providerName: 'p', forwardUsageChunk: true }), 1_000);
    const out = await all(stream);
    expect(out[0]).toBe(`data: ${chunk}\n\n`);
    expect(out.at(-1)).toMatch(/^data: \{"error":\{"message":"p: upstream sent more than 1000 characters without ending an event/);
    expect(out.join('')).not.toContain('[DONE]');
    expect(stream.transformer.failure?.code).toBe('upstream_stream_incomplete');
    expect(huge.body.destroyed).toBe(true);
  });

  it('reads an `event: error` as the upstream error it is, whatever its data', async () => {
    const stream = new TransformedEventStream(upstream([`data: ${chunk}\n\n`, 'event: error\ndata: {"message":"worker died"}\n\n']), new PassthroughStreamTransformer({ providerName: 'p', forwardUsageChunk: true }));
    const out = await all(stream);
    expect(out).toHaveLength(2);
    expect(out[1]).toMatch(/^data: \{"error":\{"message":"p: worker died"/);
    expect(stream.transformer.failure?.rawMessage).toBe('worker died');
  });
});
