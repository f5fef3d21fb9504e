import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allLogs, startLogsStack } from '../helpers/logs-stack.js';
import type { LogsStack } from '../helpers/logs-stack.js';

/**
 * JSON nested thousands of levels deep parses, but the recursive code it meets later (structured
 * clone to the store's threads, JSON.stringify for the spool and the upstream, the log API)
 * overflows the stack. A review found one such request stopped every log record after it, even
 * across a restart. It is refused at the door, wherever JSON comes in.
 */
let stack: LogsStack;
beforeAll(async () => {
  stack = await startLogsStack();
});
afterAll(() => stack.close());

const deep = (levels: number): string => `${'['.repeat(levels)}${']'.repeat(levels)}`;
const hi = [{ role: 'user', content: 'hi' }];

async function chat(body: string, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(`${stack.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, json: await res.json() };
}

describe('deeply nested JSON', () => {
  it('is refused with 400 in a chat body, in metadata, in the metadata header and in an ingested record; logging goes on', async () => {
    const inBody = await chat(`{"model":"moonshot/kimi-k2.6","messages":${JSON.stringify(hi)},"x":${deep(5000)}}`);
    expect(inBody.status).toBe(400);
    expect(inBody.json.error).toMatchObject({ type: 'invalid_request_error', code: 'json_too_deep' });
    expect(inBody.json.error.message).toBe('Request body nests objects and arrays more than 128 levels deep.');

    const inMetadata = await chat(`{"model":"moonshot/kimi-k2.6","messages":${JSON.stringify(hi)},"metadata":{"a":${deep(5000)}}}`);
    expect(inMetadata.status).toBe(400);
    expect(inMetadata.json.error.code).toBe('json_too_deep');

    const inHeader = await chat(JSON.stringify({ model: 'moonshot/kimi-k2.6', messages: hi }), { 'x-moongate-metadata': `{"a":${deep(4000)}}` });
    expect(inHeader.status).toBe(400);
    expect(inHeader.json.error).toMatchObject({ code: 'invalid_metadata', param: 'x-moongate-metadata' });

    const ingested = await stack.api('/v1/logs', { body: `{"model":"x","metadata":{"a":${deep(20000)}}}` });
    expect(ingested.status).toBe(400);
    expect(ingested.json.error.code).toBe('json_too_deep');

    // 128 levels are still fine.
    const atLimit = await chat(`{"model":"moonshot/kimi-k2.6","messages":${JSON.stringify(hi)},"metadata":{"a":${deep(126)}}}`);
    expect(atLimit.status).toBe(200);

    const res = await stack.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'after' }] });
    expect(res.choices[0]!.message.content).toBeTruthy();
    await stack.flush();
    const logs = await allLogs(stack);
    expect(logs.filter((r) => r.status === 200)).toHaveLength(2);
    expect(logs.filter((r) => r.status === 400).map((r) => r.error_type)).toEqual(['invalid_request_error', 'invalid_request_error', 'invalid_request_error']);
    const metrics = await (await fetch(`${stack.url}/metrics`)).text();
    expect(metrics).toMatch(/^moongate_log_store_up 1$/m);
  });
});
