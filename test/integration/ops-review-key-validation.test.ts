import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLogsStack } from '../helpers/logs-stack.js';
import type { LogsStack } from '../helpers/logs-stack.js';

/**
 * POST and PATCH /admin/keys against a real gateway and SQLite file: settings that would make a
 * key silently useless (a model glob padded with a space never matches anything; a name of
 * spaces names nothing) are refused with an OpenAI-shaped 400 naming the field, as the CLI
 * already refuses them, instead of being stored.
 */
const MASTER = 'master-ops-review-validation';

let stack: LogsStack;
beforeAll(async () => {
  stack = await startLogsStack({
    configYaml: `
master_key: ${MASTER}
router: { retries: 0 }
providers:
  moonshot:
    regions: { global: \${SIM}/v1, cn: \${SIM}/cn/v1 }
    credentials: [{ name: main, api_key: sk-test-global-0001 }]
`,
  });
});
afterAll(() => stack.close());

const create = (body: unknown) => stack.api('/admin/keys', { token: MASTER, body });

function expectRefused(res: { status: number; json: any }, param: string): void {
  expect(res.status).toBe(400);
  expect(res.json.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_request', param });
  expect(typeof res.json.error.message).toBe('string');
}

describe('admin key validation', () => {
  it('refuses a model glob with whitespace around it: the key would be allowed no model at all', async () => {
    expectRefused(await create({ name: 'padded', models: ['kimi-k2.6 '] }), 'models.0');
    expectRefused(await create({ name: 'blank', models: ['moonshot/*', '   '] }), 'models.1');
    const key = await create({ name: 'ok', models: ['moonshot/*'] });
    expect(key.status).toBe(201);
    expectRefused(await stack.api(`/admin/keys/${key.json.id}`, { method: 'PATCH', token: MASTER, body: { models: ['\tkimi'] } }), 'models.0');
    // Nothing stored by the refusals.
    const list = await stack.api('/admin/keys', { token: MASTER });
    expect(list.json.data.map((k: any) => k.name)).toEqual(['ok']);
    expect(list.json.data[0].models).toEqual(['moonshot/*']);
  });

  it('refuses a model glob longer than any model name a request may give', async () => {
    expectRefused(await create({ name: 'long', models: [`moonshot/${'a'.repeat(300)}`] }), 'models.0');
  });

  it('refuses a name of whitespace only', async () => {
    expectRefused(await create({ name: '   ' }), 'name');
    const key = await create({ name: 'named' });
    expectRefused(await stack.api(`/admin/keys/${key.json.id}`, { method: 'PATCH', token: MASTER, body: { name: ' \t' } }), 'name');
  });

  it('refuses a customer identifier of whitespace only', async () => {
    expectRefused(await create({ name: 'blank-customer', customer_identifier: '  ' }), 'customer_identifier');
    expect((await create({ name: 'no-customer', customer_identifier: null })).status).toBe(201);
  });

  it('refuses a budget period without a budget on creation, as the CLI does', async () => {
    const res = await create({ name: 'period-only', budget_period: 'month' });
    expectRefused(res, 'budget_period');
    expect(res.json.error.message).toContain('needs budget_usd');
    expect((await create({ name: 'budgeted', budget_usd: 5, budget_period: 'month' })).status).toBe(201);
  });

  it('names the field meant for a misspelt one, as the config loader and log ingestion do', async () => {
    const created = await create({ nmae: 'typo' });
    expectRefused(created, 'nmae');
    expect(created.json.error.message).toContain('`nmae` (did you mean `name`?)');
    const key = await create({ name: 'to-patch' });
    const patched = await stack.api(`/admin/keys/${key.json.id}`, { method: 'PATCH', token: MASTER, body: { nmae: 'renamed', rmp: 5 } });
    expectRefused(patched, 'nmae');
    expect(patched.json.error.message).toContain('`nmae` (did you mean `name`?), `rmp` (did you mean `rpm`?)');
    const unlike = await create({ name: 'x', banana: 1 });
    expectRefused(unlike, 'banana');
    expect(unlike.json.error.message).not.toContain('did you mean');
    expect(unlike.json.error.message).toContain('Known fields: name, models,');
  });
});
