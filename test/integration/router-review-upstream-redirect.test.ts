import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postRaw, startGatewayOn } from '../helpers/stack.js';
import { NO_SIM, OK_COMPLETION, bearerKey, listenLoopback } from '../helpers/loopback-upstream.js';
import type { LoopbackUpstream } from '../helpers/loopback-upstream.js';

/**
 * A base_url that answers with a redirect or another status that is neither success nor error (a
 * proxy's login page, http sent to an https-only host, a 304 from a cache): the gateway does not
 * follow it (a POST with the operator's key must not go wherever a Location points). Passed on,
 * the client got a 3xx without a Location, or a 304 whose error body HTTP drops; it is an
 * upstream that did not answer, a 502 like other upstream garbage, retried elsewhere.
 */
/** The status the upstream answers the key `sk-a` with; `sk-b` always gets a completion. */
let status = 302;
const calls: string[] = [];
let upstream: LoopbackUpstream;

beforeAll(async () => {
  upstream = await listenLoopback((req, res) => {
    req.resume().on('end', () => {
      const key = bearerKey(req);
      calls.push(key);
      if (key === 'sk-b') return void res.writeHead(200, { 'content-type': 'application/json' }).end(OK_COMPLETION);
      res.writeHead(status, { location: 'https://sso.example.com/login?next=%2Fv1', 'content-type': 'text/html' });
      res.end(status === 304 ? undefined : '<html>Moved</html>');
    });
  });
});
afterAll(() => upstream.close());
const gateway = (credentials: string) =>
  startGatewayOn(NO_SIM, `router: { retries: 1, backoff_ms: 10, cooldown: { fails: 1000 } }\nproviders:\n  moonshot:\n    regions: { global: ${upstream.base}, cn: ${upstream.base} }\n    credentials: ${credentials}\n`);
const chat = (url: string, stream: boolean) => postRaw(`${url}/v1/chat/completions`, JSON.stringify({ model: 'moonshot/kimi-k2.6', stream, messages: [{ role: 'user', content: 'hi' }] }));

describe('an upstream answering neither success nor error', () => {
  for (const answered of [301, 302, 304, 307]) {
    for (const stream of [false, true]) {
      it(`${answered} is a 502 invalid_upstream_response in the OpenAI shape (${stream ? 'stream' : 'non-stream'})`, async () => {
        status = answered;
        const gw = await gateway('[{ name: a, api_key: sk-a }]');
        try {
          const res = await chat(gw.url, stream);
          expect(res.status).toBe(502);
          expect(res.headers.get('location')).toBeNull();
          expect(res.json.error).toMatchObject({ type: 'api_error', code: 'invalid_upstream_response' });
          expect(res.json.error.message).toContain(`moonshot: answered HTTP ${answered}`);
          expect(res.json.error.message).toContain('sso.example.com');
          expect(res.json.error.message).not.toContain('next=');
        } finally {
          await gw.close();
        }
      });
    }
  }

  it('is retried on another credential', async () => {
    status = 302;
    const gw = await gateway('[{ name: a, api_key: sk-a, weight: 1000000 }, { name: b, api_key: sk-b, weight: 1 }]');
    try {
      calls.length = 0;
      const res = await chat(gw.url, false);
      expect(res.status).toBe(200);
      expect(calls).toEqual(['sk-a', 'sk-b']);
    } finally {
      await gw.close();
    }
  });
});
