import { describe, expect, it } from 'vitest';
import { PassthroughStreamTransformer } from '../providers/openai-compatible/passthrough-stream.js';
import type { Provider, StreamTransformer } from '../providers/types.js';
import { GatewayError } from '../server/gateway-error.js';
import { upstreamResponse as upstream } from '../../test/helpers/upstream-response.js';
import type { UpstreamResponse } from '../upstream/send-request.js';
import type { Deployment } from './deployments.js';
import { openEventStream } from './open-event-stream.js';

/** A deployment whose provider uses `transformer` and maps an error body as it is. */
function deployment(transformer: () => StreamTransformer = () => new PassthroughStreamTransformer({ providerName: 'p', forwardUsageChunk: true })): Deployment {
  return {
    provider: {
      name: 'p',
      createStreamTransformer: transformer,
      mapError: (status: number, body: string) => {
        const { error } = JSON.parse(body) as { error: { message: string; type: string; code: string | null } };
        return new GatewayError(status, error.message, { type: error.type, code: error.code });
      },
    } as unknown as Provider,
    credential: { name: 'c', apiKey: 'sk-test-secret-1234', baseUrl: 'http://127.0.0.1:1/v1' },
  } as Deployment;
}

const ctx = { requestId: 'r', callerScope: '', clientWantsUsage: false, captureResponse: false };
const chunk = '{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hi"}}]}';
const open = (res: UpstreamResponse, d = deployment(), signal = new AbortController().signal) => openEventStream(res, d, ctx, signal);

describe('openEventStream', () => {
  it('returns the first event and leaves the rest to read', async () => {
    const { stream, first } = await open(upstream([`data: ${chunk}\n\n`, 'data: [DONE]\n\n']));
    expect(String(first)).toBe(`data: ${chunk}\n\n`);
    expect(String(await stream.next())).toBe('data: [DONE]\n\n');
  });

  it('turns an error as the first event into the HTTP error its type stands for', async () => {
    const res = upstream(['data: {"error":{"message":"slow down","type":"rate_limit_reached_error"}}\n\n']);
    await expect(open(res)).rejects.toMatchObject({ status: 429, type: 'rate_limit_reached_error', message: 'slow down' });
    expect(res.body.destroyed).toBe(true);
  });

  it('maps an upstream that closes before any event through the transformer’s failure: 502 upstream_stream_incomplete', async () => {
    await expect(open(upstream([': keep-alive\n\n']))).rejects.toMatchObject({ status: 502, code: 'upstream_stream_incomplete' });
  });

  it('says so when a stream ends with nothing at all to send', async () => {
    const silent = (): StreamTransformer => {
      const t = new PassthroughStreamTransformer({ providerName: 'p', forwardUsageChunk: true });
      // A transformer that ends quietly: no error event, no output.
      return Object.assign(t, { finish: () => '' });
    };
    await expect(open(upstream([]), deployment(silent))).rejects.toThrow('p: the stream ended before its first event.');
  });

  it('calls a stream that ends ([DONE]) without a single chunk a 502 upstream_stream_incomplete, with or without keep-alives first', async () => {
    for (const parts of [['data: [DONE]\n\n'], [': keep-alive\n\n', 'data: [DONE]\n\n'], ['data: [DONE]']]) {
      const res = upstream(parts);
      await expect(open(res)).rejects.toMatchObject({ status: 502, code: 'upstream_stream_incomplete', message: 'p: the stream ended ([DONE]) before its first chunk.' });
    }
  });

  it('calls a connection that breaks before the first event a 502 upstream_incomplete', async () => {
    const res = upstream([], Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }));
    await expect(open(res)).rejects.toMatchObject({ status: 502, code: 'upstream_incomplete', message: 'p: the connection broke before the first event (UND_ERR_SOCKET)' });
  });

  it('rethrows the abort reason when its signal was pulled (a first-token timeout stays one)', async () => {
    const controller = new AbortController();
    const reason = new Error('first-token timeout');
    controller.abort(reason);
    await expect(open(upstream([], new Error('aborted')), deployment(), controller.signal)).rejects.toBe(reason);
  });
});
