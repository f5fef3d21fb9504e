import { request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { startGatewayOn } from '../helpers/stack.js';

/** Web apps holding a gateway key call it across origins (server.cors_origins); HEAD works where GET does. */
const MASTER = 'master-key-for-cors-tests-0001';
const APP = 'https://app.example.com';

let sim: Simulator;
let gw: Awaited<ReturnType<typeof startGatewayOn>>;
let dir: string;
let key: string;

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function send(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${gw.url}${path}`, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const preflight = (origin: string, path = '/v1/chat/completions') =>
  send('OPTIONS', path, { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-stainless-os' });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'moongate-cors-'));
  sim = await startSimulator({ quiet: true });
  gw = await startGatewayOn(
    sim,
    `
master_key: ${MASTER}
store: sqlite:${join(dir, 'gateway.db')}
server:
  cors_origins: [ "${APP}", "https://*.preview.example.com" ]
providers:
  moonshot:
    regions: { global: \${SIM}/v1, cn: \${SIM}/cn/v1 }
    api_key: sk-cors-test
models:
  - { name: kimi, model: moonshot/kimi-k2.6 }
`,
  );
  const created = await send('POST', '/admin/keys', { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' }, JSON.stringify({ name: 'web-app' }));
  expect(created.status).toBe(201);
  key = JSON.parse(created.body).key;
});

afterAll(async () => {
  await gw?.close();
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('CORS (server.cors_origins)', () => {
  it('answers an allowed origin’s preflight with that origin, the methods and the headers it asked for', async () => {
    const res = await preflight(APP);
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(res.headers['access-control-allow-methods']).toContain('POST');
    expect(res.headers['access-control-allow-headers']).toBe('authorization,content-type,x-stainless-os');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(res.headers.vary).toContain('Origin');
    expect(res.body).toBe('');
    expect((await preflight('https://pr-7.preview.example.com')).headers['access-control-allow-origin']).toBe('https://pr-7.preview.example.com');
    expect(res.headers['access-control-allow-private-network']).toBeUndefined();
  });

  it('says yes to Chromium’s private-network question for an allowed origin only', async () => {
    const ask = (origin: string) =>
      send('OPTIONS', '/v1/chat/completions', { origin, 'access-control-request-method': 'POST', 'access-control-request-private-network': 'true' });
    expect((await ask(APP)).headers['access-control-allow-private-network']).toBe('true');
    expect((await ask('https://evil.example.net')).headers['access-control-allow-private-network']).toBeUndefined();
  });

  it('refuses another origin’s preflight with an OpenAI-shaped 403 and no CORS headers', async () => {
    const res = await preflight('https://evil.example.net');
    expect(res.status).toBe(403);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(JSON.parse(res.body).error).toMatchObject({ type: 'permission_error', code: 'origin_not_allowed', message: expect.stringContaining('server.cors_origins') });
  });

  it('lets the page read the answer and Moongate’s headers from an allowed origin (OpenAI SDK, a gateway key)', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0, defaultHeaders: { origin: APP } });
    const { data, response } = await client.chat.completions.create({ model: 'kimi', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(data.choices[0]?.message.content).toBeTruthy();
    expect(response.headers.get('access-control-allow-origin')).toBe(APP);
    expect(response.headers.get('access-control-expose-headers')).toContain('x-moongate-request-id');
    // The upstream's rate-limit headers, when it sends them, are passed on: the page may read them.
    expect(response.headers.get('access-control-expose-headers')).toContain('x-ratelimit-remaining-tokens');
    expect(response.headers.get('x-moongate-request-id')).toBeTruthy();
  });

  it('lets the page read errors too (a wrong key), and gives other origins no CORS headers', async () => {
    const wrong = await send('POST', '/v1/chat/completions', { origin: APP, authorization: 'Bearer mg-wrong', 'content-type': 'application/json' }, '{"model":"kimi","messages":[]}');
    expect(wrong.status).toBe(401);
    expect(wrong.headers['access-control-allow-origin']).toBe(APP);
    const other = await send('GET', '/v1/models', { origin: 'https://evil.example.net', authorization: `Bearer ${key}` });
    expect(other.status).toBe(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('keeps the operator’s routes same-origin', async () => {
    const admin = await send('GET', '/admin/keys', { origin: APP, authorization: `Bearer ${MASTER}` });
    expect(admin.status).toBe(200);
    expect(admin.headers['access-control-allow-origin']).toBeUndefined();
    expect((await preflight(APP, '/admin/keys')).headers['access-control-allow-origin']).toBeUndefined();
  });

  it('leaves requests without an Origin (SDKs, curl) as they were', async () => {
    const res = await send('GET', '/v1/models', { authorization: `Bearer ${key}` });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers.vary).toBeUndefined();
  });
});

describe('HEAD', () => {
  it('answers HEAD where GET is served: same status and headers, no body', async () => {
    for (const path of ['/health/live', '/v1/models']) {
      const get = await send('GET', path, { authorization: `Bearer ${key}` });
      const head = await send('HEAD', path, { authorization: `Bearer ${key}` });
      expect(head.status).toBe(200);
      expect(head.body).toBe('');
      expect(head.headers['content-type']).toBe(get.headers['content-type']);
      expect(head.headers['content-length']).toBe(get.headers['content-length']);
    }
  });

  it('still needs the key, and names HEAD where only POST is served', async () => {
    expect((await send('HEAD', '/v1/models')).status).toBe(401);
    const chat = await send('HEAD', '/v1/chat/completions', { authorization: `Bearer ${key}` });
    expect(chat.status).toBe(405);
    expect(chat.headers.allow).toBe('POST');
  });

  it('is in the allow header of every route that takes GET', async () => {
    for (const [method, path, allow] of [
      ['POST', '/v1/models', 'GET, HEAD'],
      ['PUT', '/admin/keys', 'GET, POST, HEAD'],
      ['PUT', '/admin/credentials', 'GET, POST, HEAD'],
    ] as const) {
      const res = await send(method, path, { authorization: `Bearer ${MASTER}` });
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.allow, `${method} ${path}`).toBe(allow);
      expect(JSON.parse(res.body).error, `${method} ${path}`).toMatchObject({ type: 'invalid_request_error', code: 'method_not_allowed' });
    }
  });
});
