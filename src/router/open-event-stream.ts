import type { CallContext } from '../providers/types.js';
import { GatewayError } from '../server/gateway-error.js';
import type { UpstreamResponse } from '../upstream/send-request.js';
import { TransformedEventStream } from '../upstream/transformed-event-stream.js';
import type { EventBytes } from '../upstream/transformed-event-stream.js';
import type { Deployment } from './deployments.js';
import { mapUpstreamError } from './map-upstream-error.js';
import { statusForErrorType } from './status-for-error-type.js';
import type { StopSignal } from '../upstream/stop-switch.js';

/**
 * Reads a 2xx event stream up to its first event, so the router commits to a stream only once it
 * is known to work. A stream that breaks, ends, or opens with an error event before sending
 * anything becomes an ordinary upstream error (mapped by the provider, so a 429's retry hint is
 * kept) that the router may fail over from.
 */
export async function openEventStream(
  res: UpstreamResponse,
  d: Deployment,
  ctx: CallContext,
  signal: StopSignal,
): Promise<{ stream: TransformedEventStream; first: EventBytes }> {
  const stream = new TransformedEventStream(res, d.provider.createStreamTransformer(ctx));
  const first = await stream.next().catch((err: unknown) => {
    stream.destroy();
    if (signal.aborted) throw signal.reason;
    const detail = (err as { code?: string; message?: string })?.code ?? (err as Error)?.message ?? String(err);
    throw new GatewayError(502, `${d.provider.name}: the connection broke before the first event (${detail})`, {
      type: 'api_error',
      code: 'upstream_incomplete',
    });
  });
  const failure = stream.transformer.failure;
  if (first === null || (failure !== undefined && typeof first === 'string' && first.startsWith('data: {"error"'))) {
    stream.destroy();
    if (!failure) throw new GatewayError(502, `${d.provider.name}: the stream ended before its first event.`, { type: 'api_error', code: 'upstream_stream_incomplete' });
    const body = JSON.stringify({ error: { message: failure.rawMessage, type: failure.type, code: failure.code } });
    throw mapUpstreamError(d, statusForErrorType(failure.type), body, {}, true);
  }
  if (endedBeforeFirstChunk(stream)) {
    stream.destroy();
    throw new GatewayError(502, `${d.provider.name}: the stream ended ([DONE]) before its first chunk.`, { type: 'api_error', code: 'upstream_stream_incomplete' });
  }
  return { stream, first };
}

/**
 * Its only event was the end: `[DONE]` with no chunk before it (a proxy that swallowed the
 * upstream's error, say). Handed on, the client would get an answer with nothing in it, not even
 * a finish_reason; failing here lets the router try elsewhere, unseen.
 */
function endedBeforeFirstChunk(stream: TransformedEventStream): boolean {
  return stream.eventsRead === 1 && stream.transformer.finished && !stream.transformer.failed;
}
