import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postRaw, startGatewayOn } from '../helpers/stack.js';
import { NO_SIM, OK_COMPLETION, bearerKey, listenLoopback } from '../helpers/loopback-upstream.js';
import type { LoopbackUpstream } from '../helpers/loopback-upstream.js';

/**
 * The gateway's own failures (a deadline passed: `request_timeout`; a bug: `internal_error`) are
 * not retried and say nothing about a deployment. An upstream may answer with the very same codes
 * (another Moongate in front of the provider does): its 5xx must fail over and count like any
 * other upstream server error.
 */
let failure = { status: 500, code: 'internal_error' };
const calls: string[] = [];
let upstream: LoopbackUpstream;

beforeAll(async () => {
  upstream = await listenLoopback((req, res) => {
    req.resume().on('end', () => {
      const key = bearerKey(req);
      calls.push(key);
      if (key === 'sk-b') return void res.writeHead(200, { 'content-type': 'application/json' }).end(OK_COMPLETION);
      const body = { error: { message: 'Moongate: the request did not finish in time upstream', type: 'api_error', code: failure.code } };
      res.writeHead(failure.status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
});
afterAll(() => upstream.close());

describe("an upstream answering with the gateway's own error codes", () => {
  for (const answer of [
    { status: 500, code: 'internal_error' },
    { status: 504, code: 'request_timeout' },
  ]) {
    it(`${answer.status} ${answer.code} fails over to another credential`, async () => {
      failure = answer;
      const gw = await startGatewayOn(
        NO_SIM,
        `router: { retries: 1, backoff_ms: 10, cooldown: { fails: 1, seconds: 30 } }\nproviders:\n  moonshot:\n    regions: { global: ${upstream.base}, cn: ${upstream.base} }\n    credentials: [{ name: a, api_key: sk-a, weight: 1000000 }, { name: b, api_key: sk-b, weight: 1 }]\n`,
      );
      try {
        calls.length = 0;
        const res = await postRaw(`${gw.url}/v1/chat/completions`, JSON.stringify({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi' }] }));
        expect(res.status).toBe(200);
        expect(calls).toEqual(['sk-a', 'sk-b']);
        // And it counted against a's deployment (cooldown.fails: 1).
        const ready = (await (await fetch(`${gw.url}/health/ready`)).json()) as { credentials: { credential: string; state: string }[] };
        expect(ready.credentials.find((c) => c.credential === 'moonshot/a')?.state).toBe('cooling_down');
      } finally {
        await gw.close();
      }
    });
  }
});
