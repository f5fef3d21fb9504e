import OpenAI from 'openai';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLogsStack } from '../helpers/logs-stack.js';
import type { LogsStack } from '../helpers/logs-stack.js';
import { OK_COMPLETION, listenLoopback } from '../helpers/loopback-upstream.js';
import type { LoopbackUpstream } from '../helpers/loopback-upstream.js';

/**
 * The upstream's rate-limit headers describe the gateway's credential, which has plenty left; a
 * gateway key over its own rpm gets Moongate's 429 with retry-after, and that answer must not
 * carry the upstream's "9999 remaining" beside it.
 */
const MASTER = 'master-forwarding-key-rpm';
let upstream: LoopbackUpstream;
let stack: LogsStack;

beforeAll(async () => {
  upstream = await listenLoopback((req, res) => {
    req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/json', 'x-ratelimit-remaining-requests': '9999' }).end(OK_COMPLETION));
  });
  stack = await startLogsStack({
    configYaml: `
master_key: ${MASTER}
router: { retries: 0, cooldown: { fails: 1000 } }
providers:
  openai: { base_url: ${upstream.base}, credentials: [{ name: oa-main, api_key: sk-openai-0001 }] }
pricing:
  openai/gpt-4o-mini: { input: 1, output: 1 }
`,
  });
});
afterAll(async () => {
  await stack.close();
  await upstream.close();
});

it("a key over its rpm gets the gateway's 429 with retry-after and none of the upstream's rate-limit headers", async () => {
  const created = await stack.api('/admin/keys', { token: MASTER, body: { name: 'rpm', rpm: 1 } });
  expect(created.status).toBe(201);
  const client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: created.json.key as string, maxRetries: 0 });
  const request = { model: 'openai/gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hi' }] };

  const { response } = await client.chat.completions.create(request).withResponse();
  expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('9999');

  const err = await client.chat.completions.create(request).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(OpenAI.RateLimitError);
  const limited = err as InstanceType<typeof OpenAI.RateLimitError>;
  expect(limited.code).toBe('rate_limit_exceeded');
  expect(Number(limited.headers?.get('retry-after'))).toBeGreaterThan(0);
  expect(limited.headers?.get('x-ratelimit-remaining-requests')).toBeNull();
});
