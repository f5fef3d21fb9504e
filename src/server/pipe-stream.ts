import type { ServerResponse } from 'node:http';
import type { StreamFailure } from '../providers/types.js';
import { DEADLINE_PASSED, DeadlineExceeded, GatewayShuttingDown, KeyEndedWhileRunning, SHUTTING_DOWN } from '../router/linked-abort.js';
import type { EventBytes, TransformedEventStream } from '../upstream/transformed-event-stream.js';
import type { StopSignal } from '../upstream/stop-switch.js';
import { planStreamWake } from './stream-wake.js';

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
};

/** What the client gets while there is nothing to send: an SSE comment, which clients skip. */
export const KEEP_ALIVE_COMMENT = ': keep-alive\n\n';

export interface PipeInput {
  stream: TransformedEventStream;
  /** The first bytes, already read by the router. */
  first: EventBytes;
  /** Aborted when the client goes away or the request's deadline passes. */
  signal: StopSignal;
}

export interface PipeResult {
  /** performance.now() when the first bytes were written to the client. */
  firstChunkAt: number;
  clientClosed: boolean;
  /** Set when the stream ended with an error event instead of [DONE]. */
  error: StreamFailure | undefined;
}

/**
 * Sends a stream to the client as it arrives: every network read is transformed and written at
 * once, in the dispatcher's callback, never held back. Once the first bytes are out, failures can
 * no longer be hidden: a cut, an upstream silence longer than `idleTimeoutMs` or the request
 * deadline ends the stream with an OpenAI error event. A slow client's back-pressure pauses reading upstream; that wait is not the
 * upstream's silence, and neither is a stretch of SSE comments (keep-alives): bytes are bytes.
 * Upstream comments are not passed on, so when nothing has been written to the client for
 * `keepAliveMs` (0: never) it gets a comment of its own: a proxy in front must not time the stream
 * out while the model thinks. Headers already sent (the router committed early) are not sent again.
 */
export async function pipeStream(
  input: PipeInput,
  res: ServerResponse,
  headers: Record<string, string>,
  clientClosed: () => boolean,
  idleTimeoutMs: number,
  keepAliveMs: number,
): Promise<PipeResult> {
  const { stream, signal } = input;
  const firstChunkAt = performance.now();
  let tail = '';
  // One timer for the whole stream, checking when the upstream was last heard from (a read, or
  // the end of a wait for the client; silence past the idle timeout cuts the upstream) and when
  // the client last got bytes (a keep-alive is due). Rescheduled, never refreshed per chunk: the
  // loop below only assigns `wroteAt`. It writes between two whole writes of the loop, so a
  // comment never lands inside an event, and never after the stream's end.
  let idle = false;
  let waitingForClient = false;
  let resumedAt = 0;
  let wroteAt = firstChunkAt;
  const onTimer = (): void => {
    const now = performance.now();
    const wake = planStreamWake(now, Math.max(stream.lastReadAt, resumedAt), wroteAt, waitingForClient, idleTimeoutMs, keepAliveMs);
    if (wake.idle) {
      idle = true;
      stream.destroy();
      return;
    }
    if (wake.keepAlive && !stream.transformer.finished && !res.destroyed) {
      res.write(KEEP_ALIVE_COMMENT);
      wroteAt = now;
    }
    timer = setTimeout(onTimer, wake.inMs);
  };
  let timer = setTimeout(onTimer, keepAliveMs > 0 ? Math.min(idleTimeoutMs, keepAliveMs) : idleTimeoutMs);
  const waitForClient = async (): Promise<void> => {
    waitingForClient = true;
    await drained(res, signal);
    waitingForClient = false;
    resumedAt = performance.now();
  };
  const writeRead = (out: EventBytes): boolean => {
    // The read that produced `out` has just ended: its time, with no clock read per chunk.
    wroteAt = stream.lastReadAt;
    return res.write(out);
  };
  const writable = async (): Promise<void> => {
    await waitForClient();
    if (signal.aborted) throw signal.reason;
  };
  // Reads arrive without a promise each, so a stop has to interrupt them: it closes the upstream.
  const stopReading = (): void => stream.destroy();
  signal.addEventListener('abort', stopReading);
  try {
    if (!res.headersSent) res.writeHead(200, { ...headers, ...SSE_HEADERS });
    if (!res.write(input.first)) await writable();
    if (signal.aborted) throw signal.reason;
    // Ended at once with the last bytes: one network write for both.
    await stream.forward(writeRead, writable, () => res.end());
  } catch (err) {
    stream.destroy();
    if (clientClosed() || res.destroyed) return { firstChunkAt, clientClosed: true, error: stream.transformer.failure };
    // Stopped by the gateway (shutdown, the request's deadline, its key revoked) rather than failed by the upstream.
    if (signal.reason instanceof GatewayShuttingDown) tail = stream.transformer.stopByGateway(SHUTTING_DOWN.message, SHUTTING_DOWN.code);
    else if (signal.reason instanceof KeyEndedWhileRunning) tail = stream.transformer.stopByGateway(signal.reason.stopMessage, signal.reason.code, signal.reason.type);
    else if (signal.reason instanceof DeadlineExceeded && !idle) tail = stream.transformer.stopByGateway(DEADLINE_PASSED.message, DEADLINE_PASSED.code, DEADLINE_PASSED.type);
    else tail = stream.transformer.abort(reasonFor(err, idle, signal, idleTimeoutMs));
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', stopReading);
  }
  if (!res.writableEnded) {
    if (!res.headersSent) res.writeHead(200, SSE_HEADERS);
    res.end(tail);
  }
  return { firstChunkAt, clientClosed: false, error: stream.transformer.failure };
}

function reasonFor(err: unknown, idle: boolean, signal: StopSignal, idleTimeoutMs: number): string {
  if (idle) return `no data from upstream for ${idleTimeoutMs} ms (router.idle_timeout_ms)`;
  if (signal.aborted) return 'the request was stopped';
  const e = err as { code?: string; message?: string };
  return `the upstream connection broke mid-stream (${e?.code ?? e?.message ?? String(err)})`;
}

function drained(res: ServerResponse, signal: StopSignal): Promise<void> {
  if (res.destroyed || signal.aborted) return Promise.resolve();
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
