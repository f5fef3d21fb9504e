import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { firstInvalidUtf8 } from './first-invalid-utf8.js';
import { inviteBody } from './expect-continue.js';
import { GatewayError } from './gateway-error.js';
import { MAX_JSON_DEPTH, nestedDeeperThan } from './json-nesting.js';
import { parseLargeJson } from './parse-large-json.js';
import type { JsonText } from '../logs/bodies/json-text.js';
import type { StopSignal } from '../upstream/stop-switch.js';

/** The setting most routes' limit comes from, named in the 413. */
const SETTING = 'server.max_body_mb';

export interface JsonBody {
  value: unknown;
  /**
   * The body as it came, for logs (it is valid JSON, since it parsed): its text, or for a large
   * body read without one (see parseLargeJson) its bytes and the text's length.
   */
  text: JsonText;
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
  let decoder: Decoder | undefined;
  try {
    decoder = decoderFor(req.headers['content-encoding']);
  } catch (err) {
    return Promise.reject(err);
  }
  inviteBody(req);
  // A compressed body is read through its decoder, and the limit holds for what comes out of it:
  // a few KB of gzip can expand to gigabytes.
  const source: Readable = decoder ? req.pipe(decoder.stream) : req;

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (): void => {
      source.off('data', onData);
      source.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      decoder?.stream.off('error', onDecodeError);
      signal?.removeEventListener('abort', onAbort);
    };
    /** Gives up on the body: what is kept is dropped, and the rest is read and discarded. */
    const discard = (): void => {
      stop();
      chunks.length = 0;
      if (decoder) {
        req.unpipe(decoder.stream);
        decoder.stream.destroy();
      }
      req.resume();
    };
    // Stopped while the body is still coming (a shutdown past its drain time, with a client that
    // stalled): the rest is discarded, and the caller answers with the signal's reason.
    const onAbort = (): void => {
      discard();
      reject(signal!.reason);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limitBytes) {
        chunks.push(chunk);
        return;
      }
      discard();
      reject(tooLarge(limitBytes, limitName));
    };
    const onEnd = (): void => {
      stop();
      try {
        const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        // toString would turn every byte that is not UTF-8 into U+FFFD, and the model would get
        // "caf\uFFFD" for a Latin-1 "café" without anyone being told.
        if (!isUtf8(bytes)) throw notUtf8(bytes);
        const large = parseLargeJson(bytes);
        if (large) {
          resolve({ value: large.value, text: { bytes, length: large.length }, bytes });
          return;
        }
        const text = bytes.toString('utf8');
        resolve({ value: parseJson(text), text, bytes });
      } catch (err) {
        reject(err);
      }
    };
    // Node's 'aborted' error (a reset, a cut connection, a request timeout) comes before 'close':
    // while the body is incomplete that is the client's body cut short, not an error of ours.
    const onError = (err: Error): void => {
      if (!req.complete) {
        onClose();
        return;
      }
      stop();
      reject(err);
    };
    const onDecodeError = (err: Error): void => {
      discard();
      reject(new GatewayError(400, `Request body is not valid ${decoder!.name} data, as its Content-Encoding says: ${err.message}`, { code: 'invalid_content_encoding' }));
    };
    // The request ends before its decoder has given out the last of the body: only a close before
    // the end means a client that left.
    const onClose = (): void => {
      if (req.readableEnded) return;
      discard();
      reject(new GatewayError(400, 'The client closed the connection before the request body was complete.', { code: 'incomplete_body' }));
    };
    source.on('data', onData);
    source.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
    decoder?.stream.on('error', onDecodeError);
    signal?.addEventListener('abort', onAbort);
  });
}

interface Decoder {
  name: string;
  stream: Readable & NodeJS.WritableStream;
}

/** The Content-Encodings a body may come in, and their decoders. */
const DECODERS: Readonly<Record<string, () => Decoder['stream']>> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/**
 * The decoder for a body's Content-Encoding; undefined for none (or `identity`). Any other
 * encoding, or several stacked, is a 415: read as it is, a compressed body would be refused as
 * "not valid JSON" with a message full of binary.
 */
function decoderFor(header: string | undefined): Decoder | undefined {
  if (header === undefined) return undefined;
  const codings = header
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  if (codings.length === 0) return undefined;
  const make = codings.length === 1 && Object.hasOwn(DECODERS, codings[0]!) ? DECODERS[codings[0]!] : undefined;
  if (make === undefined) {
    throw new GatewayError(415, `Content-Encoding \`${header}\` is not supported; send the body uncompressed, or compressed with one of gzip, deflate or br.`, {
      type: 'invalid_request_error',
      code: 'unsupported_content_encoding',
    });
  }
  return { name: codings[0]!, stream: make() };
}

function notUtf8(bytes: Buffer): GatewayError {
  const at = firstInvalidUtf8(bytes);
  const where = at === -1 ? '' : ` (byte 0x${bytes[at]!.toString(16).toUpperCase().padStart(2, '0')} at byte ${at})`;
  return new GatewayError(400, `Request body is not valid UTF-8${where}; JSON must be sent as UTF-8 (a client that sends Latin-1 or Windows-1252 text needs to encode it as UTF-8).`, {
    code: 'invalid_encoding',
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
