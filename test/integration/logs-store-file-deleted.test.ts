import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/index.js';
import { createGatewayWithStore } from '../../src/gateway.js';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { GLOBAL_KEY } from '../helpers/stack.js';

/**
 * The database file deleted under a running gateway (a cleanup script, a restored backup put in
 * its place): SQLite would go on writing to the deleted file, and every record written meanwhile
 * would be gone at the next start, with /health/ready saying all was well. The gateway says the
 * store is unavailable instead, spools, and the next start writes what was spooled.
 */
let sim: Simulator;
let dir: string;
beforeAll(async () => {
  sim = await startSimulator({ quiet: true });
  dir = mkdtempSync(join(tmpdir(), 'moongate-db-deleted-'));
});
afterAll(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

async function boot() {
  const config = parseConfigText(
    `store: sqlite:${join(dir, 'moongate.db')}
router: { retries: 0 }
providers:
  moonshot:
    regions: { global: ${sim.globalBaseUrl}, cn: ${sim.cnBaseUrl} }
    credentials: [{ name: main, api_key: ${GLOBAL_KEY} }]
`,
    'test.yaml',
    {},
  );
  const gateway = await createGatewayWithStore(config, { processMetrics: false, writer: { flushIntervalMs: 10, retryMinMs: 50, warn: () => {} } });
  const url = await gateway.listen(0, '127.0.0.1');
  return { gateway, url, client: new OpenAI({ baseURL: `${url}/v1`, apiKey: 'open-mode', maxRetries: 0 }) };
}

describe('the database file deleted while the gateway runs', () => {
  it('is reported, and the records written after it are spooled and stored at the next start', async () => {
    const first = await boot();
    const ask = async (client: OpenAI) => (await client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi' }] }).withResponse()).response.headers.get('x-moongate-request-id')!;
    await ask(first.client);
    await expect.poll(() => first.gateway.observability.writer.stats.written).toBe(1);

    for (const suffix of ['', '-wal', '-shm']) unlinkSync(join(dir, `moongate.db${suffix}`));
    const after = [await ask(first.client), await ask(first.client)];
    await expect.poll(() => first.gateway.observability.writer.stats.spooled).toBe(2);
    const ready = await fetch(`${first.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: Record<string, string> }).checks.store).toMatch(/was deleted while Moongate had it open/);
    await first.gateway.close();

    const second = await boot();
    try {
      for (const id of after) await expect.poll(async () => (await fetch(`${second.url}/v1/logs/${id}`)).status).toBe(200);
    } finally {
      await second.gateway.close();
    }
  });
});
