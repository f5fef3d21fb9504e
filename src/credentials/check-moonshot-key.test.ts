import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../sim/index.js';
import type { Simulator } from '../sim/index.js';
import { checkMoonshotKey } from './check-moonshot-key.js';

let sim: Simulator;
let regions: { global: string; cn: string };
beforeAll(async () => {
  sim = await startSimulator({ quiet: true });
  regions = { global: sim.globalBaseUrl, cn: sim.cnBaseUrl };
});
afterAll(() => sim.close());

describe('checkMoonshotKey against the simulator’s two regions', () => {
  it('OK with region and balance', async () => {
    const result = await checkMoonshotKey({ key: 'sk-check-good', region: 'global', regions });
    expect(result).toMatchObject({ verdict: 'ok', ok: true, region: 'global' });
    expect(typeof result.balance).toBe('number');
    expect(result.message).toMatch(/works on .* \(region global\), available balance/);
  });

  it('whitespace found, and the trimmed key works', async () => {
    const result = await checkMoonshotKey({ key: ' sk-check-good', region: 'global', regions });
    expect(result).toMatchObject({ verdict: 'whitespace', ok: false, region: 'global' });
  });

  it('trailing whitespace is whitespace too, though HTTP drops it and the host accepts the key as sent', async () => {
    for (const key of ['sk-check-good ', 'sk-check-good\t', 'sk-check-good\n', 'sk-nobalance-check ']) {
      const result = await checkMoonshotKey({ key, region: 'global', regions });
      expect([JSON.stringify(key), result.verdict, result.ok, result.region]).toEqual([JSON.stringify(key), 'whitespace', false, 'global']);
      expect(result.message).toContain('Remove the whitespace');
    }
  });

  it('a line break in the key is whitespace too', async () => {
    const result = await checkMoonshotKey({ key: 'sk-check-\ngood', region: 'global', regions });
    expect(result.verdict).toBe('whitespace');
  });

  it('wrong region: a China key configured as global', async () => {
    const result = await checkMoonshotKey({ key: 'sk-cn-check', region: 'global', regions });
    expect(result).toMatchObject({ verdict: 'wrong_region', region: 'cn' });
    expect(result.message).toContain('Set region: cn');
  });

  it('wrong region: a global key configured as cn', async () => {
    const result = await checkMoonshotKey({ key: 'sk-check-good', region: 'cn', regions });
    expect(result).toMatchObject({ verdict: 'wrong_region', region: 'global' });
  });

  it('revoked or invalid', async () => {
    const result = await checkMoonshotKey({ key: 'sk-revoked-check', region: 'global', regions });
    expect(result).toMatchObject({ verdict: 'invalid', ok: false });
  });

  it('with no other platform to ask (askOther: false), a rejected key is invalid there, after one ask only', async () => {
    const before = sim.requests.length;
    const result = await checkMoonshotKey({ key: 'sk-cn-check', region: 'global', regions, askOther: false });
    expect(result).toMatchObject({ verdict: 'invalid', ok: false });
    expect(result.message).toContain('the other platform was not asked');
    expect(result.message).not.toContain('Neither');
    expect(sim.requests.length - before).toBe(1);
  });

  it('no balance', async () => {
    const result = await checkMoonshotKey({ key: 'sk-nobalance-check', region: 'global', regions });
    expect(result).toMatchObject({ verdict: 'no_balance', ok: false, region: 'global' });
  });

  it('unreachable', async () => {
    const result = await checkMoonshotKey({ key: 'sk-x', region: 'global', regions: { global: 'http://127.0.0.1:9/v1', cn: 'http://127.0.0.1:9/cn/v1' } });
    expect(result.verdict).toBe('unreachable');
  });

  it('a host that answers a status saying nothing about the key was reached: the message says what it answered', async () => {
    for (const status of [403, 500]) {
      const server = createServer((_req, res) => res.writeHead(status, { 'content-type': 'text/plain' }).end('Forbidden by policy'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
      try {
        const result = await checkMoonshotKey({ key: 'sk-check-good', region: 'global', regions: { global: base, cn: regions.cn } });
        expect(result).toMatchObject({ verdict: 'unreachable', ok: false });
        expect(result.message).toMatch(new RegExp(`^127\\.0\\.0\\.1:\\d+ answered HTTP ${status} to the balance check`));
        expect(result.message).not.toContain('Could not reach');
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    }
  });

  it('rejected by the configured platform while the other cannot be asked is not invalid (the key may be the other platform\'s)', async () => {
    // A fake global platform that rejects every key, as Moonshot does a key of the other platform.
    const rejecting = createServer((_req, res) => res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"message":"Invalid Authentication","type":"invalid_authentication_error"}}'));
    const failing = createServer((_req, res) => res.writeHead(503, { 'content-type': 'text/plain' }).end('Service Unavailable'));
    const closed = createServer();
    for (const s of [rejecting, failing, closed]) await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    const base = (s: typeof rejecting, path: string): string => `http://127.0.0.1:${(s.address() as AddressInfo).port}${path}`;
    // A port that was just in use and is now closed: connection refused, nothing reached.
    const refused = base(closed, '/cn/v1');
    await new Promise((resolve) => closed.close(resolve));
    try {
      const down = await checkMoonshotKey({ key: 'sk-cn-maybe-valid', region: 'global', regions: { global: base(rejecting, '/v1'), cn: refused } });
      expect(down).toMatchObject({ verdict: 'unreachable', ok: false });
      expect(down.region).toBeUndefined();
      expect(down.message).toMatch(/^127\.0\.0\.1:\d+ rejects the key \(401\), but the check could not finish: 127\.0\.0\.1:\d+\/cn\/v1: could not reach it \(ECONNREFUSED\)/);
      expect(down.message).toContain('may belong to the China platform');
      expect(down.message).not.toMatch(/Neither|revoked|Create a new key/);

      const answered = await checkMoonshotKey({ key: 'sk-maybe-valid', region: 'cn', regions: { global: base(failing, '/v1'), cn: base(rejecting, '/cn/v1') } });
      expect(answered).toMatchObject({ verdict: 'unreachable', ok: false });
      expect(answered.message).toMatch(/rejects the key \(401\), but the check could not finish: 127\.0\.0\.1:\d+: it answered HTTP 503/);
      expect(answered.message).toContain('may belong to the global platform');

      // Both platforms asked, both reject: invalid, as before.
      const both = await checkMoonshotKey({ key: 'sk-gone', region: 'global', regions: { global: base(rejecting, '/v1'), cn: base(rejecting, '/cn/v1') } });
      expect(both).toMatchObject({ verdict: 'invalid', ok: false });
    } finally {
      for (const s of [rejecting, failing]) await new Promise((resolve) => s.close(resolve));
    }
  });

  it('a key with whitespace, rejected, whose trimmed form could not be tried is not invalid either', async () => {
    let calls = 0;
    // Rejects the key as sent, then fails (500) for the trimmed key.
    const server = createServer((_req, res) => (calls++ === 0 ? res.writeHead(401).end('{}') : res.writeHead(500).end('oops')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    try {
      const result = await checkMoonshotKey({ key: ' sk-revoked-check', region: 'global', regions: { global: base, cn: regions.cn } });
      expect(result).toMatchObject({ verdict: 'unreachable', ok: false });
      expect(result.message).toContain('(the key without its whitespace): it answered HTTP 500');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('never puts the key in the message', async () => {
    for (const key of ['sk-check-good', ' sk-check-good', 'sk-check-good ', 'sk-cn-check', 'sk-revoked-check', 'sk-nobalance-check']) {
      const result = await checkMoonshotKey({ key, region: 'global', regions });
      expect(result.message).not.toContain(key.trim());
    }
  });
});
