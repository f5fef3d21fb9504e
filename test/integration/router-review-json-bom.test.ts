import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackWithUpstream } from '../helpers/one-off-upstream.js';
import type { Stack } from '../helpers/stack.js';
import { OK_COMPLETION } from '../helpers/loopback-upstream.js';

/**
 * An upstream (a proxy, a server on another platform) that opens its JSON answer with a UTF-8
 * byte-order mark: the answer is read, and forwarded, without it.
 */
let stack: Stack;
let answer = '';
beforeAll(async () => {
  stack = await stackWithUpstream((req, res) => void req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(`\uFEFF${answer}`)));
});
afterAll(() => stack.close());

describe('a JSON answer opening with a byte-order mark', () => {
  it('is a completion, not a 502 "not JSON"', async () => {
    answer = OK_COMPLETION;
    const completion = await stack.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.choices[0]?.message.content).toBe('ok');
  });

  it('holding an error is read as that error', async () => {
    answer = '{"error":{"message":"Invalid request: bad temperature","type":"invalid_request_error"}}';
    const err = await stack.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, type: 'invalid_request_error' });
  });
});
