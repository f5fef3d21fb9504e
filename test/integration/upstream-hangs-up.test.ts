import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackWithUpstream } from '../helpers/one-off-upstream.js';
import type { Stack } from '../helpers/stack.js';

/**
 * An upstream that reads the request and closes the connection without a word (a proxy or load
 * balancer dropping it): the client is told the upstream hung up, not that it could not be reached.
 */
let stack: Stack;

beforeAll(async () => {
  stack = await stackWithUpstream((req) => void req.resume().on('end', () => req.socket.destroy()));
});
afterAll(() => stack.close());

describe('an upstream that hangs up after taking the request', () => {
  for (const stream of [false, true]) {
    it(`is a 502 upstream_closed naming the host (${stream ? 'stream' : 'non-stream'})`, async () => {
      const err = await stack.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi' }], stream }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect(err).toMatchObject({ status: 502, type: 'api_error', code: 'upstream_closed' });
      expect((err as Error).message).toMatch(/moonshot: 127\.0\.0\.1:\d+ closed the connection before answering \(/);
    });
  }
});
