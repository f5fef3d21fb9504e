import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allLogs, startLogsStack } from '../helpers/logs-stack.js';
import type { LogsStack } from '../helpers/logs-stack.js';

/**
 * An upstream that echoes the key it was sent in its 401 ("Incorrect API key provided: sk-…"):
 * the key must reach neither the client nor the log, whether it is the gateway's or a caller's.
 */
const CONFIGURED = 'sk-configured-secret-0001';
const BROUGHT = 'sk-brought-secret-0002';

let upstream: Server;
let stack: LogsStack;
beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume().on('end', () => {
      const key = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `Incorrect API key provided: ${key}.`, type: 'invalid_request_error', code: 'invalid_api_key' } }));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  stack = await startLogsStack({
    configYaml: `
router: { retries: 0, cooldown: { fails: 1000 } }
providers:
  echo:
    base_url: http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1
    credentials: [{ name: main, api_key: ${CONFIGURED} }]
`,
  });
});
afterAll(async () => {
  await stack.close();
  await new Promise((resolve) => upstream.close(resolve));
});

describe('a provider key an upstream echoes in an error', () => {
  it('is blanked out of the answer and the log record, the configured key and a brought one alike', async () => {
    const client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: 'open-mode', maxRetries: 0 });
    const configured: any = await client.chat.completions.create({ model: 'echo/m', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    // The gateway's own key refused: the caller gets a 503 without the upstream's text at all
    // (resilience-regressions.test.ts); the log keeps the text, with the key blanked out.
    expect(configured.status).toBe(503);
    expect(configured.message).not.toContain(CONFIGURED);
    const brought: any = await client.chat.completions
      .create({ model: 'echo/m', messages: [{ role: 'user', content: 'hi' }], customer_credentials: { echo: { api_key: BROUGHT } } } as any)
      .catch((e: unknown) => e);
    expect(brought.status).toBe(401);
    expect(brought.message).toContain('[key …0002]');

    await stack.flush();
    const records = JSON.stringify(await allLogs(stack));
    expect(records).toContain('[key …0001]');
    for (const key of [CONFIGURED, BROUGHT]) expect(records).not.toContain(key);
  });
});
