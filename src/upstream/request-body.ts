/**
 * The body handed to undici for an upstream request. undici keeps what it is given (on its request
 * object, and in the closure that writes it) until the answer has ended: for a stream, minutes.
 * For a long conversation that is its whole size held for nothing once the bytes are written. A
 * large body therefore goes as a one-shot iterable that lets go of its bytes as it hands them over,
 * with the content-length undici cannot work out from an iterable. Small bodies go as they are:
 * the iterable costs a few async steps, and what they hold is a few hundred bytes.
 */
export const RELEASE_AFTER_WRITE_BYTES = 64 * 1024;

export interface BodyForUndici {
  body: string | Buffer | AsyncIterable<Buffer>;
  /** Headers to add: content-length for an iterable. */
  contentLength?: string;
}

export function bodyForUndici(body: string | Buffer): BodyForUndici {
  // Three bytes a character at most in UTF-8: a shorter string cannot reach the threshold.
  if (typeof body === 'string' ? body.length * 3 < RELEASE_AFTER_WRITE_BYTES : body.length < RELEASE_AFTER_WRITE_BYTES) return { body };
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  if (bytes.length < RELEASE_AFTER_WRITE_BYTES) return { body: bytes };
  return { body: releasedOnceRead(bytes), contentLength: String(bytes.length) };
}

/** Yields `bytes` once, keeping no reference to them after. */
function releasedOnceRead(bytes: Buffer): AsyncIterable<Buffer> {
  let held: Buffer | undefined = bytes;
  return {
    async *[Symbol.asyncIterator]() {
      const out = held;
      held = undefined;
      if (out) yield out;
    },
  };
}
