import type { ServerResponse } from 'node:http';
import { sseErrorEvent } from '../providers/sse.js';
import type { GatewayError } from './gateway-error.js';
import { KEEP_ALIVE_COMMENT, SSE_HEADERS } from './pipe-stream.js';

/**
 * A stream response committed before its first event: while a model that streams nothing as it
 * thinks is awaited, the client (and any proxy in front, with its read timeout) gets the status
 * line, then keep-alive comments. `headers` (the route's) are only needed by the first call.
 */
export function sendKeepAlive(res: ServerResponse, headers: Record<string, string> | undefined): void {
  if (res.destroyed || res.writableEnded) return;
  if (!res.headersSent) res.writeHead(200, { ...headers, ...SSE_HEADERS });
  res.write(KEEP_ALIVE_COMMENT);
}

/**
 * Ends a response committed early whose stream failed before its first event: the status is out,
 * so the error goes as the OpenAI error event a failure after the first event would get.
 */
export function endWithErrorEvent(res: ServerResponse, error: GatewayError): void {
  if (res.destroyed || res.writableEnded) return;
  if (!res.headersSent) res.writeHead(200, SSE_HEADERS);
  res.end(sseErrorEvent(error.message, error.type, error.code));
}
