import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GLOBAL_KEY } from '../helpers/stack.js';
import { startLogsStack } from '../helpers/logs-stack.js';
import type { LogsStack } from '../helpers/logs-stack.js';

/**
 * A key's TPM counts each request's estimate first (prompt + max_tokens), corrected by its actual
 * usage when it ends. A request that failed (the provider answered 500, or it was refused before
 * one) used no tokens and is charged nothing, but kept its whole estimate in the window for a
 * minute: after a provider's bad minute, a key's requests were refused for tokens never used.
 */
const MASTER = 'master-ops-review-key-tpm';

let stack: LogsStack;
beforeAll(async () => {
  stack = await startLogsStack({
    configYaml: `
master_key: ${MASTER}
router: { retries: 0, cooldown: { fails: 1000 } }
providers:
  moonshot:
    regions: { global: \${SIM}/v1, cn: \${SIM}/cn/v1 }
    credentials: [{ name: main, api_key: ${GLOBAL_KEY} }]
`,
  });
});
afterAll(() => stack.close());

async function chat(key: string, maxTokens: number): Promise<{ status: number; json: any }> {
  const res = await fetch(`${stack.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'moonshot/kimi-k2.6', max_tokens: maxTokens, messages: [{ role: 'user', content: 'hi' }] }),
  });
  return { status: res.status, json: await res.json() };
}

describe('a key’s tokens per minute', () => {
  it('does not count the estimate of a request that failed without using any', async () => {
    const created = await stack.api('/admin/keys', { token: MASTER, body: { name: 'tpm', tpm: 2_000 } });
    expect(created.status).toBe(201);
    const faults = await fetch(`${stack.sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ status: 500, times: 1 }) });
    expect(faults.ok).toBe(true);

    expect((await chat(created.json.key, 1_500)).status).toBe(500);
    // The failed request used nothing: this one fits in the minute's 2,000 tokens.
    const next = await chat(created.json.key, 1_500);
    expect(next.status, JSON.stringify(next.json)).toBe(200);
    // Real usage still counts: the window holds this one's actual tokens, and a request whose
    // estimate does not fit beside them is refused.
    const used = next.json.usage.total_tokens as number;
    expect((await chat(created.json.key, 2_000 - used + 1)).status).toBe(429);
  });
});
