import type { IncomingMessage } from 'node:http';
import { GatewayError } from './gateway-error.js';

/**
 * Reads a request body up to `limitBytes` and parses it as JSON.
 * Over the limit → 413 at once (we stop reading); not JSON → 400 saying where it broke.
 */
export async function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge(limitBytes);

  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw tooLarge(limitBytes);
    chunks.push(chunk);
  }
  const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') {
    throw new GatewayError(400, 'Request body is empty; expected a JSON object.', { code: 'invalid_json' });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new GatewayError(400, `Request body is not valid JSON: ${detail}`, { code: 'invalid_json' });
  }
}

function tooLarge(limitBytes: number): GatewayError {
  const mb = (limitBytes / (1024 * 1024)).toFixed(limitBytes % (1024 * 1024) === 0 ? 0 : 1);
  return new GatewayError(413, `Request body is larger than the gateway's limit of ${mb} MB (server.max_body_mb).`, {
    type: 'invalid_request_error',
    code: 'request_too_large',
  });
}
