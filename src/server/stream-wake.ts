/** What a stream's one timer does when it wakes, and when it wakes next. */
export interface StreamWake {
  /** The upstream has been silent for the idle timeout: the stream is to be cut (no next wake). */
  idle: boolean;
  /** Nothing has reached the client for the keep-alive interval: a comment is due now. */
  keepAlive: boolean;
  /** ms until the timer should wake again. */
  inMs: number;
}

/**
 * The decision behind a stream's single timer, kept out of the pipe so it can be tested on its own.
 * The timer is rescheduled from here rather than refreshed per chunk: the pipe only assigns
 * timestamps as it writes. While the client is not reading (`waitingForClient`) neither clock runs:
 * the upstream is paused by us, not silent, and a comment would only queue behind unread bytes.
 *
 * @param heardAt when the upstream was last heard from (a read, or the end of a wait for the client)
 * @param wroteAt when bytes were last written to the client (a chunk or a comment)
 * @param keepAliveMs 0: no keep-alives, the timer wakes for the idle timeout only
 */
export function planStreamWake(now: number, heardAt: number, wroteAt: number, waitingForClient: boolean, idleTimeoutMs: number, keepAliveMs: number): StreamWake {
  if (waitingForClient) return { idle: false, keepAlive: false, inMs: keepAliveMs > 0 ? Math.min(idleTimeoutMs, keepAliveMs) : idleTimeoutMs };
  const quietMs = now - heardAt;
  if (quietMs >= idleTimeoutMs) return { idle: true, keepAlive: false, inMs: 0 };
  if (keepAliveMs === 0) return { idle: false, keepAlive: false, inMs: idleTimeoutMs - quietMs };
  const unwrittenMs = now - wroteAt;
  const keepAlive = unwrittenMs >= keepAliveMs;
  return { idle: false, keepAlive, inMs: Math.min(idleTimeoutMs - quietMs, keepAlive ? keepAliveMs : keepAliveMs - unwrittenMs) };
}
