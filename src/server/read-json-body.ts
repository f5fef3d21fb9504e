import type { IncomingMessage } from 'node:http';
import { inviteBody } from './expect-continue.js';
import { GatewayError } from './gateway-error.js';
import { MAX_JSON_DEPTH, nestedDeeperThan } from './json-nesting.js';
import type { StopSignal } from '../upstream/stop-switch.js';

/** The setting most routes' limit comes from, named in the 413. */
const SETTING = 'server.max_body_mb';

export interface JsonBody {
  value: unknown;
  /** The body as it came, for logs (it is valid JSON, since it parsed). */
  text: string;
  /** The same, as the bytes that came: providers forward them where they change nothing. */
  bytes: Buffer;
}

/**
 * Reads a request body up to `limitBytes` and parses it as JSON.
 * Over the limit → 413 at once (the rest is read and discarded, never kept); not JSON → 400
 * saying where it broke. Plain 'data'/'end' listeners: this runs on every call, and an async
 * iterator over the request costs several promises per chunk.
 */
export async function readJsonBody(req: IncomingMessage, limitBytes: number, limitName: string = SETTING): Promise<unknown> {
  return (await readJsonBodyAndText(req, limitBytes, limitName)).value;
}

/** `readJsonBody`, keeping the text as well (the chat handler logs it as it came). */
export function readJsonBodyAndText(req: IncomingMessage, limitBytes: number, limitName: string = SETTING, signal?: StopSignal): Promise<JsonBody> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) return Promise.reject(tooLarge(limitBytes, limitName));
  if (signal?.aborted) return Promise.reject(signal.reason);
  inviteBody(req);

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      signal?.removeEventListener('abort', onAbort);
    };
    // Stopped while the body is still coming (a shutdown past its drain time, with a client that
    // stalled): the rest is discarded, and the caller answers with the signal's reason.
    const onAbort = (): void => {
      stop();
      chunks.length = 0;
      req.resume();
      reject(signal!.reason);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limitBytes) {
        chunks.push(chunk);
        return;
      }
      stop();
      chunks.length = 0;
      req.resume();
      reject(tooLarge(limitBytes, limitName));
    };
    const onEnd = (): void => {
      stop();
      try {
        const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        const text = bytes.toString('utf8');
        resolve({ value: parseJson(text), text, bytes });
      } catch (err) {
        reject(err);
      }
    };
    const onError = (err: Error): void => {
      stop();
      reject(err);
    };
    const onClose = (): void => {
      stop();
      reject(new GatewayError(400, 'The client closed the connection before the request body was complete.', { code: 'incomplete_body' }));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
    signal?.addEventListener('abort', onAbort);
  });
}

function parseJson(text: string): unknown {
  if (text.trim() === '') {
    throw new GatewayError(400, 'Request body is empty; expected a JSON object.', { code: 'invalid_json' });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new GatewayError(400, `Request body is not valid JSON: ${detail}`, { code: 'invalid_json' });
  }
  if (nestedDeeperThan(value)) {
    throw new GatewayError(400, `Request body nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep.`, { code: 'json_too_deep' });
  }
  return value;
}

function tooLarge(limitBytes: number, limitName: string): GatewayError {
  const size =
    limitBytes < 1024 * 1024 ? `${Math.round(limitBytes / 1024)} KB` : `${(limitBytes / (1024 * 1024)).toFixed(limitBytes % (1024 * 1024) === 0 ? 0 : 1)} MB`;
  return new GatewayError(413, `Request body is larger than the gateway's limit of ${size} (${limitName}).`, {
    type: 'invalid_request_error',
    code: 'request_too_large',
  });
}
