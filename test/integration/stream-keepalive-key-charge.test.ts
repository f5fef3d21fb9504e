import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLogsStack } from '../helpers/logs-stack.js';
import type { LogsStack } from '../helpers/logs-stack.js';
import { listenLoopback, OK_COMPLETION } from '../helpers/loopback-upstream.js';
import type { LoopbackUpstream } from '../helpers/loopback-upstream.js';

/**
 * A stream committed early by keep-alives (a model that streams nothing while it thinks) that
 * fails before its first event got its client a 200, but no answer: the gateway key is charged,
 * and the log prices it, as the error answer it would have been without keep-alives. Its estimate
 * must not stay in the key's tokens per minute, nor its cost be unknown ("unpriced").
 */
const MASTER = 'master-keepalive-key-charge';
const KEEP_ALIVE_MS = 50;

let upstream: LoopbackUpstream;
let stack: LogsStack;

function answer(req: IncomingMessage, res: ServerResponse): void {
  let text = '';
  req.on('data', (d: Buffer) => (text += d.toString())).on('end', () => {
    if (!(JSON.parse(text) as { stream?: boolean }).stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(OK_COMPLETION);
      return;
    }
    // Thinks silently for a few keep-alive intervals, then the connection breaks.
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.flushHeaders();
    setTimeout(() => res.destroy(), KEEP_ALIVE_MS * 4);
  });
}

beforeAll(async () => {
  upstream = await listenLoopback(answer);
  stack = await startLogsStack({
    configYaml: `
master_key: ${MASTER}
router: { retries: 0, stream_keepalive_ms: ${KEEP_ALIVE_MS}, cooldown: { fails: 1000 } }
providers:
  openai: { base_url: ${upstream.base}, api_key: sk-openai-keepalive-charge-0001 }
`,
  });
});
afterAll(async () => {
  await stack?.close();
  await upstream?.close();
});

async function chat(key: string, stream: boolean): Promise<{ status: number; text: string; requestId: string | null }> {
  const res = await fetch(`${stack.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'openai/o3', stream, max_tokens: 1_500, messages: [{ role: 'user', content: 'hi' }] }),
  });
  return { status: res.status, text: await res.text(), requestId: res.headers.get('x-moongate-request-id') };
}

it('leaves nothing of its estimate in the key’s tokens per minute, and is logged at $0', async () => {
  const created = await stack.api('/admin/keys', { token: MASTER, body: { name: 'tpm', tpm: 2_000 } });
  expect(created.status).toBe(201);
  const failed = await chat(created.json.key, true);
  expect(failed.status).toBe(200);
  expect(failed.text.startsWith(': keep-alive\n\n')).toBe(true);
  expect(failed.text).toContain('"code":"upstream_incomplete"');

  // No tokens were used: this one fits in the minute's 2,000 tokens.
  const next = await chat(created.json.key, false);
  expect(next.status, next.text).toBe(200);

  await stack.flush();
  const logs = await stack.api('/v1/logs?limit=100', { token: MASTER });
  const record = (logs.json.data as { id: string }[]).find((r) => r.id === failed.requestId);
  expect(record).toMatchObject({ status: 200, cost_usd: 0 });
});
