import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { bodyRequest as request, failure } from '../../test/helpers/body-request.js';
import type { GatewayError } from './gateway-error.js';
import { splitGatewayExtensions } from './gateway-extensions.js';
import { readJsonBody, readJsonBodyAndText } from './read-json-body.js';
import { validateChatRequest } from './validate-chat-request.js';

describe('readJsonBody', () => {
  it('parses JSON', async () => {
    expect(await readJsonBody(request('{"a":1}'), 100)).toEqual({ a: 1 });
    expect(await readJsonBodyAndText(request('{"a":1}'), 100)).toEqual({ value: { a: 1 }, text: '{"a":1}', bytes: Buffer.from('{"a":1}') });
  });
  it('rejects invalid JSON with 400 saying so', async () => {
    const err = await failure(readJsonBody(request('{"a":'), 100));
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/^Request body is not valid JSON/);
  });
  it('rejects an empty body', async () => {
    expect((await failure(readJsonBody(request('  '), 100))).status).toBe(400);
  });
  it('joins a body that arrives in several chunks', async () => {
    const stream = Readable.from([Buffer.from('{"a":'), Buffer.from('[1,'), Buffer.from('2]}')]) as unknown as IncomingMessage;
    stream.headers = {};
    expect(await readJsonBody(stream, 100)).toEqual({ a: [1, 2] });
  });

  it('fails clearly when the client goes away before the body is complete', async () => {
    const stream = new Readable({ read() {} }) as unknown as IncomingMessage;
    stream.headers = {};
    const pending = failure(readJsonBody(stream, 100));
    stream.push('{"a":');
    stream.destroy();
    expect(await pending).toMatchObject({ status: 400, code: 'incomplete_body' });
  });

  it("takes a read error before the body is complete (Node's \"aborted\": a reset, a cut connection) for a body cut short, not an error of its own", async () => {
    const stream = new Readable({ read() {} }) as unknown as IncomingMessage;
    stream.headers = {};
    const pending = failure(readJsonBody(stream, 100));
    stream.destroy(new Error('aborted'));
    expect(await pending).toMatchObject({ status: 400, code: 'incomplete_body' });
  });

  it('rejects a body over the limit with 413, by header or by bytes read', async () => {
    expect((await failure(readJsonBody(request('{}', { 'content-length': '5000' }), 100))).status).toBe(413);
    expect((await failure(readJsonBody(request(`"${'x'.repeat(200)}"`), 100))).status).toBe(413);
  });

  it('names the setting behind the limit, or says the route fixes it', async () => {
    expect((await failure(readJsonBody(request('{}', { 'content-length': '2097152' }), 1024 * 1024))).message).toBe(
      "Request body is larger than the gateway's limit of 1 MB (server.max_body_mb).",
    );
    expect((await failure(readJsonBody(request('{}', { 'content-length': '2097152' }), 64 * 1024, 'fixed for this route'))).message).toBe(
      "Request body is larger than the gateway's limit of 64 KB (fixed for this route).",
    );
  });
});

describe('validateChatRequest', () => {
  it('accepts a minimal request and keeps every field', () => {
    const body = { model: 'kimi-k2.6', messages: [{ role: 'user', content: 'hi' }], foo: 1 };
    expect(validateChatRequest(body)).toBe(body);
  });
  it.each([
    [null, null],
    [{ messages: [] }, 'model'],
    [{ model: '', messages: [{ role: 'user' }] }, 'model'],
    [{ model: 'm', messages: {} }, 'messages'],
    [{ model: 'm', messages: [{ content: 'x' }] }, 'messages[0].role'],
    [{ model: 'm', messages: [{ role: 'user' }], stream: 'yes' }, 'stream'],
    [{ model: `moonshot/${'a'.repeat(248)}`, messages: [{ role: 'user' }] }, 'model'],
  ])('rejects %j naming %s', (body, param) => {
    let err: GatewayError | undefined;
    try {
      validateChatRequest(body);
    } catch (e) {
      err = e as GatewayError;
    }
    expect(err?.status).toBe(400);
    expect(err?.param).toBe(param);
  });
});

describe('validateChatRequest messages', () => {
  it('says what is wrong in plain words', () => {
    expect(() => validateChatRequest({ model: 'm', messages: [{ content: 'x' }] })).toThrow('`messages[0].role` must be a string, got nothing.');
    expect(() => validateChatRequest({ model: `moonshot/${'a'.repeat(300)}`, messages: [{ role: 'user' }] })).toThrow(
      'Field `model` is 309 characters long; model names have 256 at most.',
    );
    expect(validateChatRequest({ model: `moonshot/${'a'.repeat(247)}`, messages: [{ role: 'user' }] }).model).toHaveLength(256);
  });
});

describe('splitGatewayExtensions', () => {
  it('takes gateway-only fields out and leaves the rest', () => {
    const body = { model: 'm', messages: [], customer_identifier: 'acme', metadata: { a: 1 }, user: 'u1' };
    const { forward, extensions } = splitGatewayExtensions(body);
    expect(forward).toEqual({ model: 'm', messages: [], user: 'u1' });
    expect(extensions).toEqual({ customer_identifier: 'acme', metadata: { a: 1 } });
    expect(body.customer_identifier).toBe('acme');
  });
  it('returns the same object when there is nothing to take', () => {
    const body = { model: 'm', messages: [] };
    expect(splitGatewayExtensions(body).forward).toBe(body);
  });
  it('keeps the order of what is left, and a "__proto__" field as a field (the copy inherits nothing)', () => {
    const body = JSON.parse('{"model":"m","customer_identifier":"acme","__proto__":{"stream":true},"messages":[]}');
    const { forward } = splitGatewayExtensions(body);
    expect(Object.getPrototypeOf(forward)).toBe(Object.prototype);
    expect(forward.stream).toBeUndefined();
    expect(JSON.stringify(forward)).toBe('{"model":"m","__proto__":{"stream":true},"messages":[]}');
  });
});
