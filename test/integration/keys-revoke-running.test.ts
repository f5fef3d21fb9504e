import { request } from 'node:http';
import type { IncomingMessage } from 'node:http';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/index.js';
import { createGateway, createGatewayWithStore } from '../../src/gateway.js';
import { openStore } from '../../src/store/open-store.js';
import { listenLoopback } from '../helpers/loopback-upstream.js';
import { GLOBAL_KEY } from '../helpers/stack.js';
import { startLogsStack } from '../helpers/logs-stack.js';
import type { LogsStack } from '../helpers/logs-stack.js';

/**
 * Revoking a gateway key stops the requests with it that are running: a stream ends with an
 * OpenAI error event, a request not answered yet gets the key's 401, and the upstream call is
 * aborted, here at once and through another gateway on the same SQLite file within seconds.
 */
const MASTER = 'master-keys-revoke-running';

let stack: LogsStack;
beforeAll(async () => {
  stack = await startLogsStack({
    configYaml: `
master_key: ${MASTER}
router: { retries: 0 }
providers:
  moonshot:
    regions: { global: \${SIM}/v1, cn: \${SIM}/cn/v1 }
    credentials: [{ name: main, api_key: ${GLOBAL_KEY} }]
`,
  });
});
afterAll(() => stack.close());

async function createKey(name: string): Promise<{ id: string; key: string }> {
  const created = await stack.api('/admin/keys', { token: MASTER, body: { name } });
  expect(created.status).toBe(201);
  return created.json;
}

const revoke = (url: string, id: string) => fetch(`${url}/admin/keys/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${MASTER}` } });

const clientFor = (url: string, apiKey: string) => new OpenAI({ baseURL: `${url}/v1`, apiKey, maxRetries: 0 });

/** A stream of 400 tokens, one each 20 ms: 8 s if nothing stops it. */
const LONG = 'a long answer [[sim:tokens=400]] [[sim:token_delay=20]]';

/** The simulator's record of the chat request whose last message was `content`. */
const upstreamCall = (content: string) => stack.sim.requests.filter((r) => JSON.stringify(r.body ?? '').includes(content)).at(-1);

async function recordOf(keyId: string): Promise<any> {
  await stack.flush();
  const logs = await stack.api(`/v1/logs?key_id=${keyId}`, { token: MASTER });
  expect(logs.json.data).toHaveLength(1);
  return logs.json.data[0];
}

/** Reads a stream to its end: the chunks, and the error it ended with, if any. */
async function readStream(stream: AsyncIterable<unknown>, onChunk?: (n: number) => void): Promise<{ chunks: number; error: any; endedAt: number }> {
  let chunks = 0;
  try {
    for await (const _chunk of stream) onChunk?.(++chunks);
    return { chunks, error: undefined, endedAt: performance.now() };
  } catch (error) {
    return { chunks, error, endedAt: performance.now() };
  }
}

describe('revoking a key through this gateway', () => {
  it('ends its running stream with a key_revoked error event, aborts the upstream call, and logs it with the estimated charge', async () => {
    const { id, key } = await createKey('leaked-stream');
    const content = `${LONG} one`;
    const stream = await clientFor(stack.url, key).chat.completions.create({ model: 'moonshot/kimi-k2.6', stream: true, messages: [{ role: 'user', content }] });
    let revokedAt = 0;
    const read = await readStream(stream, (n) => {
      if (n === 5) {
        revokedAt = performance.now();
        void revoke(stack.url, id).then((r) => expect(r.status).toBe(200));
      }
    });

    expect(read.error).toMatchObject({ type: 'authentication_error', code: 'key_revoked' });
    expect(read.error.message).toMatch(/^Moongate: the gateway key \(….{4}\) was revoked on .* while this request was running, so the gateway stopped it/);
    expect(read.chunks).toBeLessThan(100);
    // Stopped long before its 8 s (chunks above); this bounds the revocation's own round trip, loosely for a loaded machine.
    expect(read.endedAt - revokedAt).toBeLessThan(3_000);
    await expect.poll(() => upstreamCall(content)?.aborted).toBe(true);
    expect(upstreamCall(content)!.finished).toBe(false);

    const record = await recordOf(id);
    expect(record).toMatchObject({ status: 200, stream: true, error_type: 'authentication_error' });
    expect(record.error_message).toMatch(/was revoked on .* so the gateway stopped it .*estimated/);
    // Cut before its usage came: charged an estimate, as a stream the client leaves is.
    expect(record.completion_tokens).toBeGreaterThan(0);
    expect(record.cost_usd).toBeGreaterThan(0);
    const after = await stack.api(`/admin/keys/${id}`, { token: MASTER });
    await expect.poll(async () => (await stack.api(`/admin/keys/${id}`, { token: MASTER })).json.spend_total_usd).toBeCloseTo(record.cost_usd, 6);
    expect(after.json.status).toBe('revoked');
  });

  it('answers a request still waiting for its upstream (JSON, or a stream before its first byte) with 401 key_revoked', async () => {
    const { id, key } = await createKey('leaked-waiting');
    const client = clientFor(stack.url, key);
    const json = client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'slow json [[sim:latency=3000]]' }] });
    const stream = client.chat.completions.create({ model: 'moonshot/kimi-k2.6', stream: true, messages: [{ role: 'user', content: 'slow stream [[sim:latency=3000]]' }] });
    json.catch(() => {});
    stream.catch(() => {});
    await expect.poll(() => [upstreamCall('slow json'), upstreamCall('slow stream')].every((r) => r !== undefined)).toBe(true);
    const revokedAt = performance.now();
    expect((await revoke(stack.url, id)).status).toBe(200);

    for (const pending of [json, stream]) {
      const err = await pending.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toMatchObject({ status: 401, type: 'authentication_error', code: 'key_revoked' });
      expect((err as Error).message).toMatch(/while this request was running, so the gateway stopped it/);
    }
    expect(performance.now() - revokedAt).toBeLessThan(1_500);
    await expect.poll(() => upstreamCall('slow json')?.aborted && upstreamCall('slow stream')?.aborted).toBe(true);

    await stack.flush();
    const logs = (await stack.api(`/v1/logs?key_id=${id}`, { token: MASTER })).json.data;
    expect(logs).toHaveLength(2);
    for (const record of logs) {
      expect(record).toMatchObject({ status: 401, error_type: 'authentication_error', cost_usd: 0, response: { error: { code: 'key_revoked' } } });
      expect(record.error_message).toMatch(/was revoked on .* so the gateway stopped it\.$/);
      // The attempt that was stopped says why too (not "the client closed the connection").
      expect(record.attempts).toHaveLength(1);
      expect(record.attempts[0]).toMatchObject({ error_type: 'authentication_error' });
      expect(record.attempts[0].error_message).toMatch(/was revoked on .* so the gateway stopped it/);
    }
  });

  it('stops nothing for an update that does not revoke, and the same stream for the revocation after it', async () => {
    const { id, key } = await createKey('renamed');
    const content = `${LONG} renamed`;
    const stream = await clientFor(stack.url, key).chat.completions.create({ model: 'moonshot/kimi-k2.6', stream: true, messages: [{ role: 'user', content }] });
    let patched: Promise<Response> | undefined;
    let seen = 0;
    let patchedAtChunk = Infinity;
    const read = await readStream(stream, (n) => {
      seen = n;
      if (n === 5) {
        patched = fetch(`${stack.url}/admin/keys/${id}`, {
          method: 'PATCH',
          headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'renamed-again', rpm: 100, budget_usd: 100, expires_at: new Date(Date.now() + 3_600_000).toISOString(), metadata: { team: 'x' } }),
        });
        void patched.then(() => (patchedAtChunk = seen));
      }
      // 20 chunks after the update was answered (applied): the stream went on; now the key is revoked.
      if (n === patchedAtChunk + 20) void revoke(stack.url, id);
    });
    expect((await patched!).status).toBe(200);
    expect(read.chunks).toBeGreaterThanOrEqual(patchedAtChunk + 20);
    expect(read.error).toMatchObject({ code: 'key_revoked' });
  });
});

describe('a key that expires while its stream runs', () => {
  it('ends the stream with a key_expired error event within a recheck of its expiry', async () => {
    const expiresAt = Date.now() + 1_500;
    const created = await stack.api('/admin/keys', { token: MASTER, body: { name: 'expiring', expires_at: new Date(expiresAt).toISOString() } });
    expect(created.status).toBe(201);
    const content = `${LONG} expiring`;
    const stream = await clientFor(stack.url, created.json.key).chat.completions.create({ model: 'moonshot/kimi-k2.6', stream: true, messages: [{ role: 'user', content }] });
    const read = await readStream(stream);
    expect(read.error).toMatchObject({ type: 'authentication_error', code: 'key_expired' });
    expect(read.error.message).toMatch(/^Moongate: the gateway key \(….{4}\) expired on .* while this request was running, so the gateway stopped it/);
    // Rechecked every 2 s once running for 2 s: stopped at a look past its expiry (2.5 s at most, here), not after 8 s.
    expect(Date.now() - expiresAt).toBeLessThan(5_000);
    await expect.poll(() => upstreamCall(content)?.aborted).toBe(true);
  });
});

describe('revoking a key through another gateway on the same SQLite file', () => {
  it('stops the stream running here within a few seconds', async () => {
    const config = parseConfigText(
      `master_key: ${MASTER}\nstore: sqlite:${stack.dbPath}\nproviders:\n  moonshot:\n    regions: { global: ${stack.sim.url}/v1, cn: ${stack.sim.url}/cn/v1 }\n    credentials: [{ name: main, api_key: ${GLOBAL_KEY} }]\n`,
      'other.yaml',
      {},
    );
    const otherStore = await openStore(`sqlite:${stack.dbPath}`);
    const other = await createGatewayWithStore(config, { store: otherStore, spoolPath: `${stack.dbPath}.other.spool.jsonl`, processMetrics: false, writer: { warn: () => {} } });
    const otherUrl = await other.listen(0, '127.0.0.1');
    try {
      const { id, key } = await createKey('revoked-elsewhere');
      const content = `${LONG} elsewhere`;
      // Running here (this gateway), for 8 s unless stopped.
      const stream = await clientFor(stack.url, key).chat.completions.create({ model: 'moonshot/kimi-k2.6', stream: true, messages: [{ role: 'user', content }] });
      let revokedAt = 0;
      const read = await readStream(stream, (n) => {
        // Past the first recheck's mark (2 s), so the next look rereads the key.
        if (n === 120) {
          revokedAt = performance.now();
          void revoke(otherUrl, id).then((r) => expect(r.status).toBe(200));
        }
      });
      expect(read.error).toMatchObject({ type: 'authentication_error', code: 'key_revoked' });
      const tookMs = read.endedAt - revokedAt;
      console.log(`stream stopped ${Math.round(tookMs)} ms after the other gateway revoked its key`);
      expect(tookMs).toBeLessThan(4_000);
      expect(read.chunks).toBeLessThan(350);
      await expect.poll(() => upstreamCall(content)?.aborted).toBe(true);
    } finally {
      await other.close(1_000);
      await otherStore.close();
    }
  }, 30_000);
});

describe('revoking a key while its stream was committed early (keep-alives sent, no event yet)', () => {
  it('ends the stream with the key_revoked error event', async () => {
    // A reasoning model that streams nothing while it thinks: the gateway commits the 200 and sends comments.
    let upstreamCut = false;
    const upstream = await listenLoopback((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      res.on('close', () => (upstreamCut = !res.writableFinished));
    });
    const gateway = createGateway(
      parseConfigText(
        `master_key: ${MASTER}\nrouter: { retries: 0, stream_keepalive_ms: 50 }\nproviders:\n  openai: { base_url: ${upstream.base}, api_key: sk-openai-revoke-0001 }\n`,
        'early.yaml',
        {},
      ),
    );
    const url = await gateway.listen(0, '127.0.0.1');
    try {
      const created = await fetch(`${url}/admin/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'early' }),
      }).then((r) => r.json() as Promise<{ id: string; key: string }>);
      const res = await new Promise<IncomingMessage>((resolve, reject) => {
        const req = request(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${created.key}` } }, resolve);
        req.on('error', reject);
        req.end(JSON.stringify({ model: 'openai/o3', stream: true, messages: [{ role: 'user', content: 'think forever' }] }));
      });
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      const ended = new Promise((resolve) => res.on('end', resolve));
      await expect.poll(() => body).toContain(': keep-alive');
      expect((await revoke(url, created.id)).status).toBe(200);
      await ended;
      expect(res.statusCode).toBe(200);
      const last = body.trimEnd().split('\n\n').at(-1)!;
      expect(JSON.parse(last.slice('data: '.length)).error).toMatchObject({ type: 'authentication_error', code: 'key_revoked' });
      await expect.poll(() => upstreamCut).toBe(true);
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });
});
