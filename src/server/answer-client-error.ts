import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { GatewayError } from './gateway-error.js';

/** Node's parser errors, as the client should read them. */
const WHAT: Record<string, [status: number, message: string]> = {
  HPE_HEADER_OVERFLOW: [431, 'The request headers are too large.'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'The request was not received in full in time (5 minutes).'],
  ERR_HTTP_REQUEST_HEADERS_TIMEOUT: [408, 'The request headers were not received in full in time.'],
};

/**
 * `clientError`: a request Node's HTTP parser refused before the gateway saw it (malformed chunked
 * body, Content-Length with Transfer-Encoding, headers too large, a body that never came). Node
 * would answer with a bare status line; this answers with an OpenAI-shaped error, as every other
 * refusal, and closes the connection.
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  const inResponse = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
  if (err.code === 'ECONNRESET' || !socket.writable || inResponse) {
    socket.destroy();
    return;
  }
  const [status, message] = WHAT[err.code ?? ''] ?? [400, `The request is not valid HTTP/1.1 (${err.code ?? err.message}).`];
  const body = JSON.stringify(new GatewayError(status, message, { type: 'invalid_request_error', code: 'bad_http_request' }).toBody());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
