import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/index.js';
import { createGateway } from '../../src/gateway.js';
import type { Gateway } from '../../src/gateway.js';
import { listenLoopback } from '../helpers/loopback-upstream.js';
import type { LoopbackUpstream } from '../helpers/loopback-upstream.js';

/**
 * OpenAI's reasoning models (o-series, gpt-5) send nothing on a Chat Completions stream while they
 * think: the first chunk comes when the answer starts, often after 20 s and more at high effort
 * (reported by gateways that time that wait out: mezmo/aura#62, getsentry/seer#2005). The gateway's
 * first-token failover (`router.first_token_timeout_ms`, 20 s by default, for Moonshot's voice
 * callers) abandoned such a stream as dead, sent the request again (billed again for the thinking
 * thrown away) and counted it against the deployment's health. Models that answer at once keep it.
 */
const THINKING_MS = 900;
let upstream: LoopbackUpstream;
let gateway: Gateway;
let client: OpenAI;
let calls = 0;

const chunk = (extra: Record<string, unknown>) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'o3-2025-04-16', ...extra })}\n\n`;

beforeAll(async () => {
  upstream = await listenLoopback((req, res) => {
    calls++;
    req.resume().on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      const timer = setTimeout(() => {
        res.write(chunk({ choices: [{ index: 0, delta: { role: 'assistant', content: 'thought it through' }, finish_reason: null }] }));
        res.write(chunk({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }));
        res.end('data: [DONE]\n\n');
      }, THINKING_MS);
      res.on('close', () => clearTimeout(timer));
    });
  });
  const yaml = `
router: { retries: 1, first_token_timeout_ms: 300, backoff_ms: 1, cooldown: { fails: 1000 } }
providers:
  openai: { base_url: ${upstream.base}, api_key: sk-openai-review-0001 }
`;
  gateway = createGateway(parseConfigText(yaml, 'test.yaml', {}));
  const url = await gateway.listen(0, '127.0.0.1');
  client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'open-mode', maxRetries: 0 });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

async function streamText(model: string): Promise<string> {
  let text = '';
  for await (const c of await client.chat.completions.create({ model, stream: true, reasoning_effort: 'high', messages: [{ role: 'user', content: 'think' }] })) {
    text += c.choices[0]?.delta.content ?? '';
  }
  return text;
}

describe('an OpenAI reasoning model that streams nothing while it thinks', () => {
  it('is waited for (the request deadline bounds it), not abandoned and sent again', async () => {
    calls = 0;
    expect(await streamText('openai/o3')).toBe('thought it through');
    expect(calls).toBe(1);
  });

  it('is known by name too when the catalogue does not list it yet (a dated snapshot, a newer gpt-5)', async () => {
    calls = 0;
    expect(await streamText('openai/gpt-5.5')).toBe('thought it through');
    expect(calls).toBe(1);
  });

  it('a model that answers at once still fails over when its first token does not come', async () => {
    calls = 0;
    const err: any = await streamText('openai/gpt-4o').catch((e: unknown) => e);
    expect(err.status).toBe(504);
    expect(err.message).toContain('no first token within router.first_token_timeout_ms');
    expect(calls).toBe(2);
  });
});
