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

  it('never puts the key in the message', async () => {
    for (const key of ['sk-check-good', ' sk-check-good', 'sk-check-good ', 'sk-cn-check', 'sk-revoked-check', 'sk-nobalance-check']) {
      const result = await checkMoonshotKey({ key, region: 'global', regions });
      expect(result.message).not.toContain(key.trim());
    }
  });
});
