import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ONE_OFF_UPSTREAM_KEY, stackWithUpstream } from '../helpers/one-off-upstream.js';
import type { Stack } from '../helpers/stack.js';

/**
 * An upstream (a proxy in front of Moonshot, say) that answers 200 with JSON that is not a chat
 * completion: the client must get an upstream error, not a body its SDK cannot read.
 */
let stack: Stack;
let answer = '';

beforeAll(async () => {
  stack = await stackWithUpstream((req, res) => void req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(answer)));
});
afterAll(() => stack.close());

describe('a 200 answer that is JSON but not a chat completion', () => {
  for (const body of [`{"code":500,"msg":"system busy, key ${ONE_OFF_UPSTREAM_KEY}"}`, 'null', '[]']) {
    it(`is a 502 naming what came back: ${body}`, async () => {
      answer = body;
      const err = await stack.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect(err).toMatchObject({ status: 502, type: 'api_error', code: 'invalid_upstream_response', message: expect.stringContaining('moonshot: answered with JSON that is not a chat completion') });
      expect((err as Error).message).toContain(body.slice(0, 10));
      expect((err as Error).message).not.toContain(ONE_OFF_UPSTREAM_KEY);
    });
  }
});
