import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { bodyRequest as request, failure } from '../../test/helpers/body-request.js';
import { readJsonBody, readJsonBodyAndText } from './read-json-body.js';

describe('readJsonBody: text that is not UTF-8', () => {
  it('refuses a Latin-1 body with a 400 naming the byte and where it is, instead of reading it as U+FFFD', async () => {
    const body = Buffer.concat([Buffer.from('{"content":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
    const err = await failure(readJsonBody(request(body), 1000));
    expect(err).toMatchObject({ status: 400, code: 'invalid_encoding', type: 'invalid_request_error' });
    expect(err.message).toContain('0xE9 at byte 15');
    expect(err.message).toMatch(/UTF-8/);
  });

  it('finds a surrogate encoded in UTF-8 (CESU) and a sequence cut short', async () => {
    const cesu = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]);
    expect((await failure(readJsonBody(request(cesu), 1000))).message).toContain('0xED at byte 6');
    const cut = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xe2, 0x82]), Buffer.from('"}')]);
    expect((await failure(readJsonBody(request(cut), 1000))).message).toContain('0xE2 at byte 6');
  });

  it('takes every valid UTF-8 text as before, U+FFFD itself included', async () => {
    const text = '{"a":"é ü 中文 😀 \ufffd"}';
    expect(await readJsonBodyAndText(request(text), 1000)).toMatchObject({ value: JSON.parse(text), text });
  });
});

describe('readJsonBody: a large body that is not ASCII', () => {
  const content = 'The day’s catch — café, 中文, 😀. '.repeat(3000);
  const text = JSON.stringify({ model: 'm', messages: [{ role: 'user', content }] });

  it('gives the value, the bytes, and the text as bytes with its length (it is never decoded whole)', async () => {
    const got = await readJsonBodyAndText(request(text), 1_000_000);
    expect(got.value).toEqual(JSON.parse(text));
    expect(got.bytes.toString()).toBe(text);
    expect(got.text).toEqual({ bytes: got.bytes, length: text.length });
  });

  it('keeps the usual answers for what the fast path leaves alone: escapes, nesting, whitespace only', async () => {
    const escaped = text.replace('é', '\\u00e9');
    expect((await readJsonBodyAndText(request(escaped), 1_000_000)).text).toBe(escaped);
    const nested = (levels: number): string => `{"pad":"${'é'.repeat(40_000)}","deep":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`;
    expect((await readJsonBodyAndText(request(nested(128)), 1_000_000)).text).toEqual({ bytes: expect.any(Buffer), length: nested(128).length });
    expect(await failure(readJsonBody(request(nested(129)), 1_000_000))).toMatchObject({ status: 400, code: 'json_too_deep' });
    expect(await failure(readJsonBody(request('\u3000'.repeat(30_000)), 1_000_000))).toMatchObject({ status: 400, code: 'invalid_json', message: 'Request body is empty; expected a JSON object.' });
  });

  it('words a syntax error as the usual path does, positions in characters', async () => {
    const broken = `${text.slice(0, -2)},}`;
    const err = await failure(readJsonBody(request(broken), 1_000_000));
    let expected = '';
    try {
      JSON.parse(broken);
    } catch (e) {
      expected = (e as Error).message;
    }
    expect(err).toMatchObject({ status: 400, code: 'invalid_json', message: `Request body is not valid JSON: ${expected}` });
  });
});

describe('readJsonBody: Content-Encoding', () => {
  const json = '{"model":"m","messages":[{"role":"user","content":"hi"}]}';

  it('reads gzip, deflate and br bodies, keeping the decoded text and bytes', async () => {
    for (const [encoding, bytes] of [
      ['gzip', gzipSync(json)],
      ['x-gzip', gzipSync(json)],
      ['deflate', deflateSync(json)],
      ['br', brotliCompressSync(json)],
      ['identity', Buffer.from(json)],
      ['GZip', gzipSync(json)],
    ] as const) {
      const got = await readJsonBodyAndText(request(bytes, { 'content-encoding': encoding }), 1000);
      expect(got.text, encoding).toBe(json);
      expect(got.bytes.toString()).toBe(json);
    }
  });

  it('refuses an encoding it cannot read with 415 naming it', async () => {
    const err = await failure(readJsonBody(request('xx', { 'content-encoding': 'zstd' }), 1000));
    expect(err).toMatchObject({ status: 415, code: 'unsupported_content_encoding', type: 'invalid_request_error' });
    expect(err.message).toContain('zstd');
    expect(err.message).toMatch(/gzip/);
  });

  it('refuses a body that is not what its encoding says with a 400', async () => {
    const err = await failure(readJsonBody(request(json, { 'content-encoding': 'gzip' }), 1000));
    expect(err).toMatchObject({ status: 400, code: 'invalid_content_encoding' });
    expect(err.message).toMatch(/gzip/);
  });

  it('holds the decoded body to the limit: a small bomb is a 413, not a full memory', async () => {
    const bomb = gzipSync(Buffer.alloc(5 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(10_000);
    const err = await failure(readJsonBody(request(bomb, { 'content-encoding': 'gzip' }), 64 * 1024));
    expect(err).toMatchObject({ status: 413, code: 'request_too_large' });
  });
});

describe('readJsonBody: a compressed body cut short', () => {
  it('is a 400, not a request left waiting', async () => {
    const whole = gzipSync('{"model":"m","messages":[{"role":"user","content":"a long enough message"}]}');
    const err = await failure(readJsonBody(request(whole.subarray(0, whole.length - 12), { 'content-encoding': 'gzip' }), 1000));
    expect(err).toMatchObject({ status: 400, code: 'invalid_content_encoding' });
  });
});
