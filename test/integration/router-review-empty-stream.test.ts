import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayOn } from '../helpers/stack.js';
import { NO_SIM, listenLoopback } from '../helpers/loopback-upstream.js';
import type { LoopbackUpstream } from '../helpers/loopback-upstream.js';

/**
 * An upstream stream whose only event is `[DONE]` (a proxy that swallowed the upstream's error)
 * is not an answer: no id, no choice, no finish_reason. Before the first chunk a failure is still
 * invisible: the request goes elsewhere, or the client gets an error it can read, not an empty 200.
 */
const chunk = (content: string, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'kimi-k2.6', choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;
let upstream: LoopbackUpstream;

beforeAll(async () => {
  upstream = await listenLoopback((req, res) => {
    req.resume().on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (req.headers.authorization === 'Bearer sk-a') return void res.end('data: [DONE]\n\n');
      res.end(`${chunk('Hello')}${chunk('!', 'stop')}data: [DONE]\n\n`);
    });
  });
});
afterAll(() => upstream.close());
const gateway = (credentials: string) =>
  startGatewayOn(NO_SIM, `router: { retries: 1, backoff_ms: 10, cooldown: { fails: 1000 } }\nproviders:\n  moonshot:\n    regions: { global: ${upstream.base}, cn: ${upstream.base} }\n    credentials: ${credentials}\n`);

describe('a stream that ends before its first chunk', () => {
  it('fails over to another credential, unseen', async () => {
    const gw = await gateway('[{ name: a, api_key: sk-a, weight: 1000000 }, { name: b, api_key: sk-b, weight: 1 }]');
    try {
      const { data, response } = await gw.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', stream: true, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
      let text = '';
      for await (const part of data) text += part.choices[0]?.delta.content ?? '';
      expect(text).toBe('Hello!');
      expect(response.headers.get('x-moongate-credential')).toBe('b');
      expect(response.headers.get('x-moongate-attempts')).toBe('2');
    } finally {
      await gw.close();
    }
  });

  it('with nowhere else to go is a 502 the client can read, not an empty 200', async () => {
    const gw = await gateway('[{ name: a, api_key: sk-a }]');
    try {
      const err = await gw.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', stream: true, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect(err).toMatchObject({ status: 502, type: 'api_error', code: 'upstream_stream_incomplete' });
    } finally {
      await gw.close();
    }
  });
});
