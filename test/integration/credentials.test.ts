import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/index.js';
import { InMemoryCredentialRepository } from '../../src/credentials/credential-repository.js';
import { SecretBox } from '../../src/credentials/secret-box.js';
import { createGateway } from '../../src/gateway.js';
import type { Gateway } from '../../src/gateway.js';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator } from '../../src/sim/index.js';

/** Provider keys added at run time over /admin/credentials: encrypted, usable at once, testable. */
const MASTER = 'master-credentials-0001';
const SECRET = 'a-long-moongate-secret-for-tests';
const STORED_KEY = 'sk-stored-at-runtime-9876';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ quiet: true });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

async function gatewayWith(secret: string | undefined, repository = new InMemoryCredentialRepository()): Promise<{ gw: Gateway; url: string; repository: InMemoryCredentialRepository }> {
  const config = parseConfigText(
    `
master_key: ${MASTER}
providers:
  moonshot:
    regions: { global: ${sim.globalBaseUrl}, cn: ${sim.cnBaseUrl} }
    credentials:
      - { name: from-config, api_key: sk-config-key-1111, models: [kimi-k3] }
`,
    'test.yaml',
    {},
  );
  const gw = createGateway(config, { credentialRepository: repository, secret });
  await gw.credentials.load();
  return { gw, url: await gw.listen(0, '127.0.0.1'), repository };
}

async function call(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${MASTER}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: await res.json() };
}

describe('stored provider credentials', () => {
  it('refuses to store a key without MOONGATE_SECRET', async () => {
    const { gw, url } = await gatewayWith(undefined);
    try {
      const res = await call(url, 'POST', '/admin/credentials', { provider: 'moonshot', name: 'x', api_key: STORED_KEY });
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe('secret_not_configured');
    } finally {
      await gw.close();
    }
  });

  it('stores a key encrypted, shows only its last 4, and routes to it at once', async () => {
    const { gw, url, repository } = await gatewayWith(SECRET);
    try {
      const added = await call(url, 'POST', '/admin/credentials', { provider: 'moonshot', name: 'runtime', api_key: STORED_KEY, weight: 2, limits: { concurrency: 5 }, models: ['kimi-k2.6'] });
      expect(added.status).toBe(201);
      expect(added.json).toMatchObject({ provider: 'moonshot', name: 'runtime', key_last4: '9876', region: 'global', source: 'stored', weight: 2 });
      expect(JSON.stringify(added.json)).not.toContain(STORED_KEY);

      const [row] = await repository.listCredentials();
      expect(row!.api_key_sealed).not.toContain(STORED_KEY);
      expect(new SecretBox(SECRET).open(row!.api_key_sealed)).toBe(STORED_KEY);
      expect(() => new SecretBox('some-other-secret-of-length').open(row!.api_key_sealed)).toThrow();

      const list = await call(url, 'GET', '/admin/credentials');
      expect(list.json.data.map((c: any) => [c.name, c.source, c.key_last4])).toEqual([
        ['from-config', 'config', '1111'],
        ['runtime', 'stored', '9876'],
      ]);
      // A stored credential's time shows in the list as it did in the answer to POST (it was null).
      expect(list.json.data.map((c: any) => c.created_at)).toEqual([null, added.json.created_at]);
      expect(added.json.created_at).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(JSON.stringify(list.json)).not.toMatch(/sk-(config|stored)/);

      const res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-moongate-credential')).toBe('runtime');
      expect(sim.requests.at(-1)!.authorization).toBe(`Bearer ${STORED_KEY}`);
    } finally {
      await gw.close();
    }
  });

  it('hides a user name and password written into a base_url when it shows the credential', async () => {
    const { gw, url } = await gatewayWith(SECRET);
    try {
      const added = await call(url, 'POST', '/admin/credentials', { provider: 'moonshot', name: 'behind-proxy', api_key: STORED_KEY, base_url: 'http://proxy-user:pr0xy-pass@127.0.0.1:9/v1' });
      expect(added.status).toBe(201);
      expect(added.json.base_url).toBe('http://***@127.0.0.1:9/v1');
      const list = await call(url, 'GET', '/admin/credentials');
      expect(JSON.stringify(list.json)).not.toContain('pr0xy-pass');
    } finally {
      await gw.close();
    }
  });

  it('comes back after a restart with the same secret, and not with another', async () => {
    const repository = new InMemoryCredentialRepository();
    const first = await gatewayWith(SECRET, repository);
    await call(first.url, 'POST', '/admin/credentials', { provider: 'moonshot', name: 'runtime', api_key: STORED_KEY });
    await first.gw.close();

    const second = await gatewayWith(SECRET, repository);
    try {
      const list = await call(second.url, 'GET', '/admin/credentials');
      expect(list.json.data.map((c: any) => c.name)).toContain('runtime');
    } finally {
      await second.gw.close();
    }
    await expect(gatewayWith('the-wrong-secret-for-this-store', repository)).rejects.toThrow(/MOONGATE_SECRET/);
  });

  it('tests a credential with the same diagnosis as moongate check', async () => {
    const { gw, url } = await gatewayWith(SECRET);
    try {
      await call(url, 'POST', '/admin/credentials', { provider: 'moonshot', name: 'china', api_key: 'sk-cn-stored', region: 'global' });
      await call(url, 'POST', '/admin/credentials', { provider: 'moonshot', name: 'empty', api_key: 'sk-nobalance-stored' });
      expect((await call(url, 'POST', '/admin/credentials/from-config/test')).json).toMatchObject({ verdict: 'ok', ok: true, region: 'global' });
      expect((await call(url, 'POST', '/admin/credentials/china/test')).json).toMatchObject({ verdict: 'wrong_region', region: 'cn' });
      expect((await call(url, 'POST', '/admin/credentials/empty/test')).json).toMatchObject({ verdict: 'no_balance' });
      expect((await call(url, 'POST', '/admin/credentials/nope/test')).status).toBe(404);
    } finally {
      await gw.close();
    }
  });

  it('tests a credential whose host answers 403: reached, and the message says what it answered', async () => {
    const forbidding = createServer((_req, res) => res.writeHead(403, { 'content-type': 'text/plain' }).end('Forbidden'));
    await new Promise<void>((resolve) => forbidding.listen(0, '127.0.0.1', resolve));
    const host = `127.0.0.1:${(forbidding.address() as AddressInfo).port}`;
    const { gw, url } = await gatewayWith(SECRET);
    try {
      await call(url, 'POST', '/admin/credentials', { provider: 'moonshot', name: 'behind-proxy', api_key: STORED_KEY, base_url: `http://${host}/v1` });
      const tested = (await call(url, 'POST', '/admin/credentials/behind-proxy/test')).json;
      expect(tested).toMatchObject({ verdict: 'unreachable', ok: false });
      expect(tested.message).toContain(`${host} answered HTTP 403`);
      expect(tested.message).not.toContain('Could not reach');
    } finally {
      await gw.close();
      await new Promise((resolve) => forbidding.close(resolve));
    }
  });

  it("tests a credential behind a base URL of its own only there: its key is not sent to Moonshot's public hosts", async () => {
    let asked = 0;
    const proxy = createServer((_req, res) => {
      asked++;
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'Invalid Authentication', type: 'invalid_authentication_error' } }));
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const host = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    // No regions configured: the other platform would be Moonshot's public host.
    const config = parseConfigText(`master_key: ${MASTER}\nproviders:\n  moonshot:\n    base_url: http://${host}/v1\n    credentials: [{ name: own-endpoint, api_key: sk-behind-proxy }]\n`, 'test.yaml', {});
    const gw = createGateway(config, { credentialRepository: new InMemoryCredentialRepository(), secret: SECRET });
    await gw.credentials.load();
    const url = await gw.listen(0, '127.0.0.1');
    try {
      const tested = (await call(url, 'POST', '/admin/credentials/own-endpoint/test')).json;
      expect(tested).toMatchObject({ verdict: 'invalid', ok: false });
      expect(tested.message).toContain('the other platform was not asked');
      expect(tested.message).not.toMatch(/moonshot\.(ai|cn)/);
      expect(asked).toBe(1);
    } finally {
      await gw.close();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('tests a credential rejected by its platform while the other cannot be reached: unreachable, not invalid, and left as it is', async () => {
    const rejecting = createServer((_req, res) => res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"message":"Invalid Authentication"}}'));
    const closed = createServer();
    for (const s of [rejecting, closed]) await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    const port = (s: typeof closed): number => (s.address() as AddressInfo).port;
    const closedPort = port(closed);
    await new Promise((resolve) => closed.close(resolve));
    const config = parseConfigText(
      `
master_key: ${MASTER}
providers:
  moonshot:
    regions: { global: "http://127.0.0.1:${port(rejecting)}/v1", cn: "http://127.0.0.1:${closedPort}/cn/v1" }
    credentials:
      - { name: maybe-china, api_key: sk-cn-maybe-valid }
`,
      'test.yaml',
      {},
    );
    const gw = createGateway(config, { credentialRepository: new InMemoryCredentialRepository(), secret: SECRET });
    await gw.credentials.load();
    const url = await gw.listen(0, '127.0.0.1');
    try {
      const tested = await call(url, 'POST', '/admin/credentials/maybe-china/test');
      expect(tested.status).toBe(200);
      expect(tested.json).toMatchObject({ provider: 'moonshot', name: 'maybe-china', verdict: 'unreachable', ok: false });
      expect(tested.json.message).toContain(`rejects the key (401), but the check could not finish: 127.0.0.1:${closedPort}/cn/v1: could not reach it (ECONNREFUSED)`);
      expect(tested.json.message).not.toMatch(/Neither|revoked|Create a new key/);
    } finally {
      await gw.close();
      await new Promise((resolve) => rejecting.close(resolve));
    }
  });

  it('routes by the credentials of the moment: one added or removed at run time counts from the next request', async () => {
    const { gw, url } = await gatewayWith(SECRET);
    const chat = async (model: string): Promise<{ status: number; credential: string | null }> => {
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
      });
      await res.arrayBuffer();
      return { status: res.status, credential: res.headers.get('x-moongate-credential') };
    };
    try {
      // The router reuses the deployments it built for a model: these requests make it build them.
      expect(await chat('moonshot/kimi-k3')).toEqual({ status: 200, credential: 'from-config' });
      await call(url, 'POST', '/admin/credentials', { provider: 'moonshot', name: 'heavy', api_key: STORED_KEY, weight: 1000, models: ['kimi-k3', 'kimi-k2.6'] });
      // At weight 1000 against 1, three requests all missing it has odds of one in a billion.
      const after = await Promise.all([chat('moonshot/kimi-k3'), chat('moonshot/kimi-k3'), chat('moonshot/kimi-k3')]);
      expect(after.map((r) => r.credential)).toContain('heavy');
      expect(await chat('moonshot/kimi-k2.6')).toEqual({ status: 200, credential: 'heavy' });

      await call(url, 'DELETE', '/admin/credentials/heavy');
      const removed = await Promise.all([chat('moonshot/kimi-k3'), chat('moonshot/kimi-k3'), chat('moonshot/kimi-k3')]);
      expect(removed.map((r) => r.credential)).toEqual(['from-config', 'from-config', 'from-config']);
      expect((await chat('moonshot/kimi-k2.6')).status).toBe(401);
    } finally {
      await gw.close();
    }
  });

  it('removes stored credentials only, and validates input', async () => {
    const { gw, url } = await gatewayWith(SECRET);
    try {
      await call(url, 'POST', '/admin/credentials', { provider: 'moonshot', name: 'temp', api_key: STORED_KEY });
      expect((await call(url, 'DELETE', '/admin/credentials/temp')).json).toEqual({ provider: 'moonshot', name: 'temp', deleted: true });
      expect((await call(url, 'DELETE', '/admin/credentials/from-config')).status).toBe(409);
      expect((await call(url, 'POST', '/admin/credentials', { provider: 'moonshot', name: 'from-config', api_key: 'x' })).status).toBe(409);
      const bad = await call(url, 'POST', '/admin/credentials', { provider: 'moonshot', name: 'x', api_key: 'k', region: 'eu' });
      expect([bad.status, bad.json.error.param]).toEqual([400, 'region']);
      expect((await call(url, 'POST', '/admin/credentials', { provider: 'nowhere', name: 'x', api_key: 'k' })).status).toBe(404);
    } finally {
      await gw.close();
    }
  });

  it('refuses an api_key with whitespace around or in it, as start-up warns about one in the config', async () => {
    const { gw, url } = await gatewayWith(SECRET);
    try {
      const cases: [string, string][] = [
        [' sk-x ', 'has leading whitespace and has trailing whitespace'],
        ['sk-stored-9876\n', 'has trailing whitespace'],
        ['\tsk-stored-9876', 'has leading whitespace'],
        ['sk-stored\r\n-9876', 'has whitespace inside'],
      ];
      for (const [apiKey, why] of cases) {
        const res = await call(url, 'POST', '/admin/credentials', { provider: 'moonshot', name: 'padded', api_key: apiKey });
        expect([JSON.stringify(apiKey), res.status, res.json.error.param]).toEqual([JSON.stringify(apiKey), 400, 'api_key']);
        expect(res.json.error.message).toContain(`Invalid credential: \`api_key\`: ${why} (a space, tab or line break)`);
        expect(res.json.error.message).toContain('remove the whitespace');
        expect(res.json.error.message).not.toContain(apiKey.trim());
      }
      const list = await call(url, 'GET', '/admin/credentials');
      expect(list.json.data.map((c: any) => c.name)).not.toContain('padded');
      // The same key without the whitespace is taken.
      expect((await call(url, 'POST', '/admin/credentials', { provider: 'moonshot', name: 'padded', api_key: 'sk-stored-9876' })).status).toBe(201);
    } finally {
      await gw.close();
    }
  });
  it('refuses an api_key that cannot go in an HTTP header (the docs\' "sk-…" was stored, then failed and disabled the credential)', async () => {
    const { gw, url } = await gatewayWith(SECRET);
    try {
      const cases: [string, string][] = [
        ['sk-\u2026', 'contains non-ASCII characters'],
        ['sk-stored\u200b9876', 'contains non-ASCII characters'],
        ['sk-stored\u00019876', 'contains control characters'],
      ];
      for (const [apiKey, why] of cases) {
        const res = await call(url, 'POST', '/admin/credentials', { provider: 'moonshot', name: 'pasted', api_key: apiKey });
        expect([JSON.stringify(apiKey), res.status, res.json.error.param, res.json.error.code]).toEqual([JSON.stringify(apiKey), 400, 'api_key', 'invalid_request']);
        expect(res.json.error.message).toMatch(new RegExp(`^Invalid credential: \`api_key\`: ${why}.*; a key is sent in the Authorization header, which takes printable ASCII only`));
        expect(res.json.error.message).not.toContain(apiKey);
      }
      expect((await call(url, 'GET', '/admin/credentials')).json.data.map((c: any) => c.name)).not.toContain('pasted');
      expect((await call(url, 'POST', '/admin/credentials', { provider: 'moonshot', name: 'pasted', api_key: 'sk-your-key' })).status).toBe(201);
    } finally {
      await gw.close();
    }
  });
});
