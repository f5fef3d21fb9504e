import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLogsStack } from '../helpers/logs-stack.js';
import type { LogsStack } from '../helpers/logs-stack.js';

/**
 * A sender-given log id is how the sender finds its record again and how a resend is told apart
 * from a new record. The store writes a NUL as U+FFFD and an unpaired surrogate as U+FFFD too, so
 * two different ids given by the sender could land on one stored id: the second was answered 201
 * with its own data while the store silently kept the first.
 */
let stack: LogsStack;
beforeAll(async () => {
  stack = await startLogsStack();
});
afterAll(() => stack.close());

describe('POST /v1/logs: ids the store cannot keep as given', () => {
  it('refuses an id holding a NUL character, naming `id`, and stores nothing', async () => {
    const first = await stack.api('/v1/logs', { body: { model: 'kimi-k2.6', id: 'nul\u0000id', customer_identifier: 'first' } });
    expect(first.status).toBe(400);
    expect(first.json.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_log', param: 'id' });
    expect(first.json.error.message).toMatch(/NUL/);
    await stack.flush();
    const listed = await stack.api('/v1/logs?customer=first');
    expect(listed.json.data).toEqual([]);
  });

  it('refuses an id with an unpaired surrogate (in a batch: with its index)', async () => {
    const res = await stack.api('/v1/logs', {
      body: [
        { model: 'kimi-k2.6', id: 'fine-id-1' },
        { model: 'kimi-k2.6', id: 'half\ud800pair' },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: 'invalid_log', param: '1.id' });
    await stack.flush();
    expect((await stack.api('/v1/logs/fine-id-1')).status).toBe(404);
  });

  it('no longer answers 201 for a record the store dropped', async () => {
    const a = await stack.api('/v1/logs', { body: { model: 'kimi-k2.6', id: 'twin\ufffdid', customer_identifier: 'a' } });
    expect(a.status).toBe(201);
    await stack.flush();
    const b = await stack.api('/v1/logs', { body: { model: 'kimi-k2.6', id: 'twin\u0000id', customer_identifier: 'b' } });
    expect(b.status).not.toBe(201);
  });

  it('still takes ids with any other characters, and finds them by id', async () => {
    const id = 'ünï/cödé 😀 id';
    const res = await stack.api('/v1/logs', { body: { model: 'kimi-k2.6', id } });
    expect(res.status).toBe(201);
    await stack.flush();
    const got = await stack.api(`/v1/logs/${encodeURIComponent(id)}`);
    expect(got.status).toBe(200);
    expect(got.json.id).toBe(id);
  });

  it('a customer sent with a NUL (kept as U+FFFD) is found by a filter with that NUL', async () => {
    const res = await stack.api('/v1/logs', { body: { model: 'kimi-k2.6', customer_identifier: 'nul\u0000customer' } });
    expect(res.status).toBe(201);
    await stack.flush();
    const found = await stack.api('/v1/logs?customer=nul%00customer');
    expect(found.json.data).toHaveLength(1);
    expect(found.json.data[0].customer_identifier).toBe('nul\ufffdcustomer');
  });

  it('answers 201 with the record as the store keeps it, NUL and unpaired surrogates as U+FFFD', async () => {
    const res = await stack.api('/v1/logs', {
      body: { model: 'kimi-k2.6', id: 'as-stored', customer_identifier: 'c\u0000x', error_message: 'half \ud800 pair', trace_id: 't\udfff', metadata: { k: 'v\u0000' } },
    });
    expect(res.status).toBe(201);
    await stack.flush();
    const stored = (await stack.api('/v1/logs/as-stored')).json;
    expect(stored).toMatchObject({ customer_identifier: 'c\ufffdx', error_message: 'half \ufffd pair', trace_id: 't\ufffd', metadata: { k: 'v\u0000' } });
    const { created_at: _a, ...answered } = res.json;
    const { created_at: _b, ...kept } = stored;
    expect(answered).toEqual(kept);
  });
});
