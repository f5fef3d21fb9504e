import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { PassthroughStreamTransformer } from '../providers/openai-compatible/passthrough-stream.js';
import type { Provider } from '../providers/types.js';
import { GatewayError } from '../server/gateway-error.js';
import type { UpstreamResponse } from '../upstream/send-request.js';
import type { Deployment } from './deployments.js';
import { openEventStream } from './open-event-stream.js';

function upstream(parts: string[]): UpstreamResponse {
  return { status: 200, headers: {}, body: Readable.from(parts.map((p) => Buffer.from(p))) as unknown as UpstreamResponse['body'] };
}

/** A deployment whose provider passes events through and maps an error body as it is. */
const deployment = {
  provider: {
    name: 'p',
    createStreamTransformer: () => new PassthroughStreamTransformer({ providerName: 'p', forwardUsageChunk: true }),
    mapError: (status: number, body: string) => {
      const { error } = JSON.parse(body) as { error: { message: string; type: string; code: string | null } };
      return new GatewayError(status, error.message, { type: error.type, code: error.code });
    },
  } as unknown as Provider,
} as Deployment;

const ctx = { requestId: 'r', callerScope: '', clientWantsUsage: false, captureResponse: false };
const chunk = '{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hi"}}]}';

describe('openEventStream', () => {
  it('returns the first event and leaves the rest to read', async () => {
    const { stream, first } = await openEventStream(upstream([`data: ${chunk}\n\n`, 'data: [DONE]\n\n']), deployment, ctx, new AbortController().signal);
    expect(first).toBe(`data: ${chunk}\n\n`);
    expect(await stream.next()).toBe('data: [DONE]\n\n');
  });

  it('turns an error as the first event into the HTTP error its type stands for', async () => {
    const error = 'data: {"error":{"message":"slow down","type":"rate_limit_reached_error"}}\n\n';
    const failed = openEventStream(upstream([error]), deployment, ctx, new AbortController().signal);
    await expect(failed).rejects.toMatchObject({ status: 429, type: 'rate_limit_reached_error', message: 'slow down' });
  });

  it('calls a stream that ends before any event a 502 upstream_stream_incomplete', async () => {
    const failed = openEventStream(upstream([': keep-alive\n\n']), deployment, ctx, new AbortController().signal);
    await expect(failed).rejects.toMatchObject({ status: 502, code: 'upstream_stream_incomplete' });
  });
});
