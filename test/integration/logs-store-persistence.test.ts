import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/index.js';
import { createGatewayWithStore } from '../../src/gateway.js';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { GLOBAL_KEY } from '../helpers/stack.js';

/** The store keeps logs, gateway keys and their spend across a restart of the gateway. */
const MASTER = 'persist-master';
let sim: Simulator;
let dir: string;
beforeAll(async () => {
  sim = await startSimulator({ quiet: true });
  dir = mkdtempSync(join(tmpdir(), 'moongate-persist-'));
});
afterAll(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

async function boot() {
  const config = parseConfigText(
    `
master_key: ${MASTER}
store: sqlite:${join(dir, 'moongate.db')}
providers:
  moonshot:
    regions: { global: ${sim.globalBaseUrl}, cn: ${sim.cnBaseUrl} }
    credentials: [{ name: main, api_key: ${GLOBAL_KEY} }]
`,
    'test.yaml',
    {},
  );
  const gateway = await createGatewayWithStore(config, { processMetrics: false, writer: { warn: () => {} } });
  const url = await gateway.listen(0, '127.0.0.1');
  return { gateway, url };
}

describe('a restart', () => {
  it('keeps gateway keys, their spend and the logs', async () => {
    const first = await boot();
    const created: any = await (
      await fetch(`${first.url}/admin/keys`, { method: 'POST', headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'survivor', budget_usd: 10 }) })
    ).json();
    const client = (url: string) => new OpenAI({ baseURL: `${url}/v1`, apiKey: created.key, maxRetries: 0 });
    const { response } = await client(first.url).chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'remember me' }] }).withResponse();
    const requestId = response.headers.get('x-moongate-request-id');
    await first.gateway.close();

    const second = await boot();
    try {
      const again = await client(second.url).chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'still me' }] });
      expect(again.choices[0]!.message.content).toBeTruthy();
      const key: any = await (await fetch(`${second.url}/admin/keys/${created.id}`, { headers: { authorization: `Bearer ${MASTER}` } })).json();
      expect(key).toMatchObject({ name: 'survivor', status: 'active' });
      expect(key.spend_total_usd).toBeGreaterThan(0);
      const log = await (await fetch(`${second.url}/v1/logs/${requestId}`, { headers: { authorization: `Bearer ${created.key}` } })).json();
      expect(log).toMatchObject({ id: requestId, key_id: created.id, status: 200 });
    } finally {
      await second.gateway.close();
    }
  });
});
