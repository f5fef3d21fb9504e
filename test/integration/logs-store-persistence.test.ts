import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { useRestartableStore } from '../helpers/restartable-store.js';

/** The store keeps logs, gateway keys and their spend across a restart of the gateway. */
const MASTER = 'persist-master';
const store = useRestartableStore('moongate-persist-');
const boot = () => store.boot(`master_key: ${MASTER}`);

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
