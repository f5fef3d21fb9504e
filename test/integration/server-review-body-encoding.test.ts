import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLogsStack } from '../helpers/logs-stack.js';
import type { LogsStack } from '../helpers/logs-stack.js';
import { upstreamBody } from '../helpers/stack.js';

/**
 * Bodies as clients really send them: compressed (log shippers such as Vector or Fluent Bit gzip
 * by default), or in a charset other than UTF-8 (Windows PowerShell 5.1 sends Latin-1). A gzip
 * body was refused as "not valid JSON" with binary in the message, and a Latin-1 "café" reached
 * the model as "caf\uFFFD" with a 200.
 */
let stack: LogsStack;
beforeAll(async () => {
  stack = await startLogsStack();
});
afterAll(() => stack.close());

async function post(path: string, body: Buffer, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(`${stack.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, json: await res.json() };
}

const chat = { model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'café gzip' }] };

describe('request bodies: Content-Encoding and charset', () => {
  it('serves a gzip-compressed chat request, forwarding the decoded request', async () => {
    const res = await post('/v1/chat/completions', gzipSync(JSON.stringify(chat)), { 'content-encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(res.json.choices[0].message.content).toContain('café gzip');
    expect(upstreamBody(stack.sim).messages[0].content).toBe('café gzip');
  });

  it('ingests a gzip-compressed batch of log records', async () => {
    const batch = [{ model: 'kimi-k2.6', id: 'gz-1' }, { model: 'kimi-k2.6', id: 'gz-2' }];
    const res = await post('/v1/logs', gzipSync(JSON.stringify(batch)), { 'content-encoding': 'gzip' });
    expect(res.status).toBe(201);
    expect(res.json.data.map((r: { id: string }) => r.id)).toEqual(['gz-1', 'gz-2']);
  });

  it('answers 415 for an encoding it cannot read, without calling upstream, and logs it', async () => {
    const before = stack.sim.requests.length;
    const res = await post('/v1/chat/completions', Buffer.from('(zstd bytes)'), { 'content-encoding': 'zstd' });
    expect(res.status).toBe(415);
    expect(res.json.error).toMatchObject({ type: 'invalid_request_error', code: 'unsupported_content_encoding', param: null });
    expect(res.json.error.message).toContain('zstd');
    expect(stack.sim.requests.length).toBe(before);
    await stack.flush();
    const logged = await stack.api('/v1/logs?status=415');
    expect(logged.json.data).toHaveLength(1);
    expect(logged.json.data[0]).toMatchObject({ source: 'proxy', error_type: 'invalid_request_error' });
  });

  it('refuses a Latin-1 chat body with a 400 instead of sending U+FFFD to the model', async () => {
    const before = stack.sim.requests.length;
    const latin1 = Buffer.from(JSON.stringify({ ...chat, messages: [{ role: 'user', content: 'café' }] }), 'latin1');
    const res = await post('/v1/chat/completions', latin1);
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_encoding' });
    expect(res.json.error.message).toMatch(/not valid UTF-8 \(byte 0xE9 at byte \d+\)/);
    expect(stack.sim.requests.length).toBe(before);
  });
});
