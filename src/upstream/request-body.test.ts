import { describe, expect, it } from 'vitest';
import { bodyForUndici, RELEASE_AFTER_WRITE_BYTES } from './request-body.js';

async function drain(body: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return chunks;
}

describe('bodyForUndici', () => {
  it('hands small bodies over as they are', () => {
    const text = '{"model":"m"}';
    const bytes = Buffer.from(text);
    expect(bodyForUndici(text)).toEqual({ body: text });
    expect(bodyForUndici(bytes).body).toBe(bytes);
    // A string long in characters but short in bytes goes as bytes, made once here.
    const justUnder = 'a'.repeat(RELEASE_AFTER_WRITE_BYTES - 1);
    expect(bodyForUndici(justUnder)).toEqual({ body: Buffer.from(justUnder) });
  });

  it('hands a large body over as a one-shot iterable with its length, and keeps nothing once read', async () => {
    const bytes = Buffer.alloc(RELEASE_AFTER_WRITE_BYTES, 'x');
    const { body, contentLength } = bodyForUndici(bytes);
    expect(contentLength).toBe(String(bytes.length));
    const iterable = body as AsyncIterable<Buffer>;
    expect(await drain(iterable)).toEqual([bytes]);
    // Read again, it has nothing: it no longer holds the bytes.
    expect(await drain(iterable)).toEqual([]);
  });

  it('counts a string in UTF-8 bytes: 22K three-byte characters are 66 KB', async () => {
    const text = '月'.repeat(22 * 1024);
    const { body, contentLength } = bodyForUndici(text);
    expect(contentLength).toBe(String(Buffer.byteLength(text)));
    expect(Buffer.concat(await drain(body as AsyncIterable<Buffer>)).toString()).toBe(text);
  });
});
