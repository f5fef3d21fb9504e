import type { ServerResponse } from 'node:http';
import { createParser } from 'eventsource-parser';
import type { StreamFailure, StreamTransformer } from '../providers/types.js';
import type { UpstreamResponse } from '../upstream/send-request.js';

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
};

export interface PipeResult {
  /** performance.now() when the first bytes were written to the client; undefined if none. */
  firstChunkAt: number | undefined;
  clientClosed: boolean;
  /** Set when the stream ended with an error event instead of [DONE]. */
  error: StreamFailure | undefined;
}

/**
 * Sends an upstream event stream to the client as it arrives: each network read is parsed,
 * transformed and written at once, never held back. Headers go out with the first bytes, so a
 * stream that fails before producing anything can still be answered differently by the caller.
 * Back-pressure from a slow client pauses reading upstream.
 */
export async function pipeStream(
  upstream: UpstreamResponse,
  transformer: StreamTransformer,
  res: ServerResponse,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<PipeResult> {
  let firstChunkAt: number | undefined;
  let pending = '';
  const parser = createParser({
    onEvent: (event) => {
      pending += transformer.onData(event.data);
    },
  });
  const decoder = new TextDecoder();

  const write = async (text: string): Promise<void> => {
    if (!res.headersSent) res.writeHead(200, { ...headers, ...SSE_HEADERS });
    firstChunkAt ??= performance.now();
    if (!res.write(text)) await drained(res, signal);
  };

  try {
    for await (const chunk of upstream.body) {
      parser.feed(decoder.decode(chunk as Buffer, { stream: true }));
      if (pending !== '') {
        const out = pending;
        pending = '';
        await write(out);
      }
      if (transformer.failed || signal.aborted) break;
    }
    if (!signal.aborted) pending += transformer.finish();
  } catch (err) {
    if (!signal.aborted) pending += transformer.abort(`the upstream connection broke mid-stream (${describe(err)})`);
  }

  if (signal.aborted || res.destroyed) {
    upstream.body.destroy();
    return { firstChunkAt, clientClosed: true, error: transformer.failure };
  }
  if (!res.headersSent) res.writeHead(200, { ...headers, ...SSE_HEADERS });
  if (pending !== '') firstChunkAt ??= performance.now();
  res.end(pending);
  return { firstChunkAt, clientClosed: false, error: transformer.failure };
}

function drained(res: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
    signal.addEventListener('abort', done);
  });
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return e?.code ?? e?.message ?? String(err);
}
