import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { startGatewayOn } from '../helpers/stack.js';

/** Bring-your-own-key: keys sent per request reach Moonshot, win over configured ones, and are never echoed. */
const CONFIGURED = 'sk-configured-0001';
const BROUGHT = 'sk-brought-by-caller-0001';
const BROUGHT_CN = 'sk-cn-brought-by-caller-0001';

let sim: Simulator;
let gw: Awaited<ReturnType<typeof startGatewayOn>>;
beforeAll(async () => {
  sim = await startSimulator({ quiet: true });
  gw = await startGatewayOn(
    sim,
    `
router: { retries: 2 }
providers:
  moonshot:
    regions: { global: \${SIM}/v1, cn: \${SIM}/cn/v1 }
    credentials: [{ name: main, api_key: ${CONFIGURED} }]
`,
  );
});
afterAll(async () => {
  await gw.close();
  await sim.close();
});
beforeEach(() => sim.reset());

const chats = () => sim.requests.filter((r) => r.path.endsWith('/chat/completions'));

async function post(body: Record<string, unknown>): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

describe('bring your own key', () => {
  it('customer_credentials wins over the configured key and is not forwarded in the body', async () => {
    const res = await post({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi' }], customer_credentials: { moonshot: { api_key: BROUGHT } } });
    expect(res.status).toBe(200);
    expect(chats()[0]!.authorization).toBe(`Bearer ${BROUGHT}`);
    expect(chats()[0]!.body).not.toHaveProperty('customer_credentials');
    expect(res.headers.get('x-moongate-credential')).toBe('customer_credentials');
    expect(res.text).not.toContain(BROUGHT);
    expect([...res.headers.values()].join(' ')).not.toContain(BROUGHT);
  });

  it('credential_override applies to its model only, with its region', async () => {
    await post({
      model: 'moonshot/kimi-k3',
      messages: [{ role: 'user', content: 'hi' }],
      credential_override: { 'moonshot/kimi-k3': { api_key: BROUGHT_CN, region: 'cn' } },
    });
    await post({
      model: 'moonshot/kimi-k2.6',
      messages: [{ role: 'user', content: 'hi' }],
      credential_override: { 'moonshot/kimi-k3': { api_key: BROUGHT_CN, region: 'cn' } },
    });
    expect(chats().map((r) => [r.region, r.authorization])).toEqual([
      ['cn', `Bearer ${BROUGHT_CN}`],
      ['global', `Bearer ${CONFIGURED}`],
    ]);
  });

  it('a rejected brought key is the caller’s 401: not retried, and the key is not in the message', async () => {
    const wrongRegion = await post({
      model: 'moonshot/kimi-k2.6',
      messages: [{ role: 'user', content: 'hi' }],
      customer_credentials: { moonshot: { api_key: BROUGHT_CN } },
    });
    expect(wrongRegion.status).toBe(401);
    expect(chats()).toHaveLength(1);
    expect(wrongRegion.text).not.toContain(BROUGHT_CN);
    // Said to the caller, in the request's terms (it said "set region: cn" and named the operator's tools).
    expect(JSON.parse(wrongRegion.text).error.message).toContain('add `"region": "cn"` beside its api_key');
    expect(JSON.parse(wrongRegion.text).error.message).not.toContain('moongate check');
    // The configured credential is untouched by the caller's bad key.
    const ready = (await (await fetch(`${gw.url}/health/ready`)).json()) as any;
    expect(ready.credentials[0]).toMatchObject({ credential: 'moonshot/main', state: 'ok' });
  });

  it('rejects malformed caller credentials with a 400 naming the field', async () => {
    const res = await post({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi' }], customer_credentials: { moonshot: { key: 'x' } } });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).error.param).toBe('customer_credentials.moonshot.api_key');
    // A key that cannot go into a header is the caller's 400, not a 500 blaming the configuration.
    const broken = await post({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi' }], customer_credentials: { moonshot: { api_key: 'sk-mi\r\nX: 1' } } });
    expect(broken.status).toBe(400);
    expect(JSON.parse(broken.text).error).toMatchObject({ type: 'invalid_request_error', param: 'customer_credentials.moonshot.api_key' });
    expect(chats()).toHaveLength(0);
  });
});

describe('open mode without configured credentials', () => {
  it('passes the caller’s bearer token through as the provider key', async () => {
    const open = await startGatewayOn(sim, 'providers: { moonshot: { regions: { global: ${SIM}/v1, cn: ${SIM}/cn/v1 } } }');
    try {
      const bare = open.client.withOptions({ apiKey: BROUGHT });
      const data = await bare.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi' }] });
      expect(data.choices[0]!.message.content).toBeTruthy();
      expect(chats()[0]!.authorization).toBe(`Bearer ${BROUGHT}`);
    } finally {
      await open.close();
    }
  });
});
