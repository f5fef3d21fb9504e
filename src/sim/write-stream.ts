import type { Exchange } from './exchange.js';

export interface StreamControl {
  tokenDelayMs: number;
  /** Destroy the socket after this many chunks (before `[DONE]` at the latest). */
  cutAfterChunks?: number;
  /** Send a bare `{"error":…}` data line after this many chunks, then end without `[DONE]`. */
  streamErrorAfterChunks?: number;
}

/** Moonshot reports a failure inside a stream as a bare error object (moonshotai-stream-error). */
export const MID_STREAM_ERROR = '{"error":{"message":"Internal server error","type":"server_error"}}';

/**
 * Writes SSE frames one by one as they are produced, pausing `tokenDelayMs` between them, and
 * stops at once when the client disconnects (the payload generator is simply not advanced).
 */
export async function writeStream(ex: Exchange, payloads: Iterable<string>, control: StreamControl): Promise<void> {
  ex.startStream();
  // With no pacing every chunk exists at once; corking sends them in one write instead of dozens.
  if (control.tokenDelayMs <= 0) ex.res.cork();
  let sent = 0;
  let endedByError = false;
  for (const payload of payloads) {
    if (sent > 0 && control.tokenDelayMs > 0 && !(await ex.sleep(control.tokenDelayMs))) return;
    if (ex.closed) return;
    if (await interrupt(ex, control, sent, false)) return;
    await ex.write(`data: ${payload}\n\n`);
    endedByError = payload.startsWith('{"error"');
    sent++;
  }
  if (ex.closed || (await interrupt(ex, control, sent, true))) return;
  // A stream whose last event is an error ends there, as the simulator's own mid-stream fault does.
  ex.res.end(endedByError ? undefined : 'data: [DONE]\n\n');
}

async function interrupt(ex: Exchange, control: StreamControl, sent: number, atEnd: boolean): Promise<boolean> {
  if (control.cutAfterChunks !== undefined && (atEnd || sent >= control.cutAfterChunks)) {
    await ex.cut();
    return true;
  }
  if (control.streamErrorAfterChunks !== undefined && (atEnd || sent >= control.streamErrorAfterChunks)) {
    ex.res.end(`data: ${MID_STREAM_ERROR}\n\n`);
    return true;
  }
  return false;
}
