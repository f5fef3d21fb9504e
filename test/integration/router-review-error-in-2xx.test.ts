import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postRaw, startGatewayOn } from '../helpers/stack.js';
import { NO_SIM, OK_COMPLETION, bearerKey, listenLoopback } from '../helpers/loopback-upstream.js';
import type { LoopbackUpstream } from '../helpers/loopback-upstream.js';

/**
 * Some upstreams (proxies, OpenAI-compatible servers, Moonshot at times) answer 200 with an
 * `{"error": …}` body. What the error says must decide what happens, as it does for the same
 * error as a stream's first event or under its own status: a caller's mistake is not retried on
 * every credential, and a rate limit rests the deployment for its retry time.
 */
/** What the upstream answers for each key; every call is counted. */
const answers = new Map<string, string>();
const calls: string[] = [];
let upstream: LoopbackUpstream;

beforeAll(async () => {
  upstream = await listenLoopback((req, res) => {
    req.resume().on('end', () => {
      const key = bearerKey(req);
      calls.push(key);
      res.writeHead(200, { 'content-type': 'application/json' }).end(answers.get(key) ?? OK_COMPLETION);
    });
  });
});
afterAll(() => upstream.close());
const gateway = () =>
  startGatewayOn(
    NO_SIM,
    `router: { retries: 2, backoff_ms: 10, cooldown: { fails: 1000 } }
providers:
  moonshot:
    regions: { global: ${upstream.base}, cn: ${upstream.base} }
    credentials: [{ name: a, api_key: sk-a, weight: 1000000 }, { name: b, api_key: sk-b, weight: 1 }]
`,
  );

describe('a 200 answer holding an error object', () => {
  for (const stream of [false, true]) {
    it(`is a caller's mistake when it says so: its 400, tried once (${stream ? 'stream asked for' : 'non-stream'})`, async () => {
      const gw = await gateway();
      try {
        calls.length = 0;
        answers.set('sk-a', '{"error":{"message":"Invalid request: temperature must be at most 1","type":"invalid_request_error"}}');
        answers.set('sk-b', answers.get('sk-a')!);
        const res = await postRaw(`${gw.url}/v1/chat/completions`, JSON.stringify({ model: 'moonshot/kimi-k2.6', stream, messages: [{ role: 'user', content: 'hi' }] }));
        expect(res.json.error).toMatchObject({ type: 'invalid_request_error', message: 'moonshot: Invalid request: temperature must be at most 1' });
        expect(res.status).toBe(400);
        expect(calls).toHaveLength(1);
      } finally {
        answers.clear();
        await gw.close();
      }
    });
  }

  it('is a rate limit when it says so: the deployment rests for the retry time it gives, and the request goes elsewhere', async () => {
    const gw = await gateway();
    try {
      calls.length = 0;
      answers.set('sk-a', '{"error":{"message":"request reached organization max RPM: 3, please try again after 20 seconds","type":"rate_limit_reached_error"}}');
      const res = await postRaw(`${gw.url}/v1/chat/completions`, JSON.stringify({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi' }] }));
      expect(res.status).toBe(200);
      expect(res.headers.get('x-moongate-credential')).toBe('b');
      const ready = (await (await fetch(`${gw.url}/health/ready`)).json()) as { credentials: { credential: string; state: string }[] };
      expect(ready.credentials.find((c) => c.credential === 'moonshot/a')?.state).toBe('cooling_down');
    } finally {
      answers.clear();
      await gw.close();
    }
  });

  it('without a type stays a 502 that is retried elsewhere', async () => {
    const gw = await gateway();
    try {
      calls.length = 0;
      answers.set('sk-a', '{"error":{"message":"system busy"}}');
      const res = await postRaw(`${gw.url}/v1/chat/completions`, JSON.stringify({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi' }] }));
      expect(res.status).toBe(200);
      expect(calls[0]).toBe('sk-a');
      expect(res.headers.get('x-moongate-credential')).toBe('b');
    } finally {
      answers.clear();
      await gw.close();
    }
  });
});
