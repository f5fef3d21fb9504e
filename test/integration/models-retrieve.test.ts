import OpenAI from 'openai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { startGatewayOn } from '../helpers/stack.js';

/** OpenAI's `models.retrieve()` through the gateway: GET /v1/models/{id}, ids with a slash included. */
const MASTER = 'master-models-retrieve-0001';

let sim: Simulator;
let gw: Awaited<ReturnType<typeof startGatewayOn>>;
let dir: string;
let master: OpenAI;
let restricted: OpenAI;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'moongate-models-'));
  sim = await startSimulator({ quiet: true });
  gw = await startGatewayOn(
    sim,
    `
master_key: ${MASTER}
store: sqlite:${join(dir, 'gateway.db')}
providers:
  moonshot:
    regions: { global: \${SIM}/v1, cn: \${SIM}/cn/v1 }
    api_key: sk-models-test
models:
  - { name: kimi, model: moonshot/kimi-k2.6 }
`,
  );
  master = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: MASTER, maxRetries: 0 });
  const created = await fetch(`${gw.url}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'only-kimi', models: ['kimi'] }),
  });
  restricted = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: ((await created.json()) as { key: string }).key, maxRetries: 0 });
});
afterAll(async () => {
  await gw?.close();
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /v1/models/{id}', () => {
  it('gives the entry the list holds, for a provider model (its / encoded or not) and for an alias', async () => {
    const listed = (await master.models.list()).data;
    const model = await master.models.retrieve('moonshot/kimi-k2.6');
    expect(model).toEqual(listed.find((m) => m.id === 'moonshot/kimi-k2.6'));
    const raw = await fetch(`${gw.url}/v1/models/moonshot/kimi-k2.6`, { headers: { authorization: `Bearer ${MASTER}` } });
    expect(raw.status).toBe(200);
    expect(((await raw.json()) as { id: string }).id).toBe('moonshot/kimi-k2.6');
    expect((await master.models.retrieve('kimi')).id).toBe('kimi');
  });

  it('answers an unknown model with a 404 model_not_found the SDK reads', async () => {
    const err = await master.models.retrieve('moonshot/no-such-model').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
  });

  it('shows a gateway key only the models it may use', async () => {
    expect((await restricted.models.retrieve('kimi')).id).toBe('kimi');
    await expect(restricted.models.retrieve('moonshot/kimi-k2.6')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });
});
