import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLogsStack } from '../helpers/logs-stack.js';
import type { LogsStack } from '../helpers/logs-stack.js';

/**
 * Open local mode (no master_key) against web pages the operator visits: a cross-site POST (no
 * preflight for text/plain) and a DNS-rebinding page reading the logs, both from the same machine.
 */
let stack: LogsStack;
beforeAll(async () => {
  stack = await startLogsStack();
});
afterAll(() => stack.close());

function send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; json: { error?: { code?: string } } }> {
  const url = new URL(path, stack.url);
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString())).on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(text || '{}') as { error?: { code?: string } } }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const chat = JSON.stringify({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi' }] });

describe('open local mode and web pages', () => {
  it('refuses a cross-site page posting to the admin and chat routes', async () => {
    const site = { origin: 'https://attacker.example', 'content-type': 'text/plain' };
    const added = await send('POST', '/admin/credentials', site, JSON.stringify({ provider: 'moonshot', name: 'evil', api_key: 'sk-attacker', region: 'global' }));
    expect(added).toMatchObject({ status: 403, json: { error: { code: 'cross_origin_refused' } } });
    expect(await send('POST', '/v1/chat/completions', site, chat)).toMatchObject({ status: 403, json: { error: { code: 'cross_origin_refused' } } });
    expect(stack.sim.requests.filter((r) => r.path.endsWith('/chat/completions'))).toHaveLength(0);
  });

  it('refuses the operator routes to a request addressed by another host name (DNS rebinding)', async () => {
    const logs = await send('GET', '/v1/logs?limit=1', { host: 'rebind.attacker.example' });
    expect(logs).toMatchObject({ status: 403, json: { error: { code: 'admin_only' } } });
    expect((await send('GET', '/v1/logs?limit=1', { host: `localhost:${new URL(stack.url).port}` })).status).toBe(200);
  });

  it('still serves its own pages and clients that send no Origin', async () => {
    const own = { origin: stack.url, 'content-type': 'application/json' };
    expect((await send('POST', '/v1/chat/completions', own, chat)).status).toBe(200);
    expect((await send('POST', '/v1/chat/completions', { 'content-type': 'application/json' }, chat)).status).toBe(200);
  });
});
