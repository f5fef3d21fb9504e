import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { GatewayError } from './gateway-error.js';

/** Node's parser errors, as the client should read them. */
const WHAT: Record<string, [status: number, message: string]> = {
  HPE_HEADER_OVERFLOW: [431, 'The request headers are too large.'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'The request was not received in full in time (5 minutes).'],
  ERR_HTTP_REQUEST_HEADERS_TIMEOUT: [408, 'The request headers were not received in full in time.'],
};

/** What the parser's refusal answered on a socket, for a handler that was reading its request. */
const answered = new WeakMap<Duplex, GatewayError>();

/**
 * The error answered on this socket because Node's parser refused the rest of a request the
 * gateway had begun to handle (a malformed chunk of its body): that, not a client that left, is
 * how the request ended.
 */
export function refusedByParser(socket: Duplex): GatewayError | undefined {
  return answered.get(socket);
}

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
  const error = new GatewayError(status, message, { type: 'invalid_request_error', code: 'bad_http_request' });
  answered.set(socket, error);
  const body = JSON.stringify(error.toBody());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
