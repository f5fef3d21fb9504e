import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

/**
 * An upstream (a proxy in front of Moonshot, say) that answers 200 with JSON that is not a chat
 * completion: the client must get an upstream error, not a body its SDK cannot read.
 */
let upstream: Server;
let stack: Stack;
let answer = '';

beforeAll(async () => {
  upstream = createServer((req, res) => void req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(answer)));
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
  stack = await startStack({
    configYaml: `
router: { retries: 0, cooldown: { fails: 1000 } }
providers:
  moonshot:
    regions: { global: ${base}, cn: ${base} }
    credentials: [{ name: main, api_key: sk-upstream-key-0001, region: global }]
`,
  });
});
afterAll(async () => {
  await stack.close();
  await new Promise((resolve) => upstream.close(resolve));
});

describe('a 200 answer that is JSON but not a chat completion', () => {
  for (const body of ['{"code":500,"msg":"system busy, key sk-upstream-key-0001"}', 'null', '[]']) {
    it(`is a 502 naming what came back: ${body}`, async () => {
      answer = body;
      const err = await stack.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect(err).toMatchObject({ status: 502, type: 'api_error', code: 'invalid_upstream_response', message: expect.stringContaining('moonshot: answered with JSON that is not a chat completion') });
      expect((err as Error).message).toContain(body.slice(0, 10));
      expect((err as Error).message).not.toContain('sk-upstream-key-0001');
    });
  }
});
