import type { ServerResponse } from 'node:http';
import type { StreamFailure } from '../providers/types.js';
import type { TransformedEventStream } from '../upstream/transformed-event-stream.js';

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
};

export interface PipeInput {
  stream: TransformedEventStream;
  /** The first bytes, already read by the router. */
  first: string;
  /** Aborted when the client goes away or the request's deadline passes. */
  signal: AbortSignal;
}

export interface PipeResult {
  /** performance.now() when the first bytes were written to the client. */
  firstChunkAt: number;
  clientClosed: boolean;
  /** Set when the stream ended with an error event instead of [DONE]. */
  error: StreamFailure | undefined;
}

class IdleTimeout extends Error {}

/**
 * Sends a stream to the client as it arrives: every network read is transformed and written at
 * once, never held back. Once the first bytes are out, failures can no longer be hidden: a cut, a
 * silence longer than `idleTimeoutMs` or the request deadline ends the stream with an OpenAI
 * error event. A slow client's back-pressure pauses reading upstream.
 */
export async function pipeStream(
  input: PipeInput,
  res: ServerResponse,
  headers: Record<string, string>,
  clientSignal: AbortSignal,
  idleTimeoutMs: number,
): Promise<PipeResult> {
  const { stream, signal } = input;
  res.writeHead(200, { ...headers, ...SSE_HEADERS });
  const firstChunkAt = performance.now();
  let tail = '';
  try {
    if (!res.write(input.first)) await drained(res, signal);
    for (;;) {
      const out = await withIdleTimeout(stream.next(), idleTimeoutMs);
      if (out === null) break;
      if (!res.write(out)) await drained(res, signal);
      if (signal.aborted) throw signal.reason;
    }
  } catch (err) {
    stream.destroy();
    if (clientSignal.aborted || res.destroyed) return { firstChunkAt, clientClosed: true, error: stream.transformer.failure };
    tail = stream.transformer.abort(reasonFor(err, signal, idleTimeoutMs));
  }
  res.end(tail);
  return { firstChunkAt, clientClosed: false, error: stream.transformer.failure };
}

function reasonFor(err: unknown, signal: AbortSignal, idleTimeoutMs: number): string {
  if (err instanceof IdleTimeout) return `no data from upstream for ${idleTimeoutMs} ms (router.idle_timeout_ms)`;
  if (signal.aborted) return 'the request did not finish within router.timeout_ms';
  const e = err as { code?: string; message?: string };
  return `the upstream connection broke mid-stream (${e?.code ?? e?.message ?? String(err)})`;
}

function withIdleTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new IdleTimeout()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
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
