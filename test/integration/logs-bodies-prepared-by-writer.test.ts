import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareBodyLater } from '../../src/logs/bodies/pending-body.js';
import type { PendingBody } from '../../src/logs/bodies/pending-body.js';
import { prepareBody } from '../../src/logs/bodies/prepare-body.js';
import type { BodyPolicy } from '../../src/logs/bodies/prepare-body.js';
import { openStore } from '../../src/store/open-store.js';
import { logEntry } from '../helpers/log-entry.js';
import { GLOBAL_KEY } from '../helpers/stack.js';
import { startLogsStack } from '../helpers/logs-stack.js';
import type { LogsStack } from '../helpers/logs-stack.js';

/**
 * Bodies over `max_body_kb` (and redacted ones, and those holding inline files) are prepared by
 * the store's writer thread, not the thread that serves requests: the gateway as it runs, with
 * the store in worker threads from the build (`npm run build` first).
 */
const workerEntry = new URL('../../dist/store/worker/store-worker.js', import.meta.url);
const turn = 'The harbour lights come on one by one — while the boats return with the day’s catch. ';
const long = (n: number) => turn.repeat(n);

let stack: LogsStack;
beforeAll(async () => {
  stack = await startLogsStack({
    store: (dbPath) => openStore(`sqlite:${dbPath}`, { thread: 'worker', workerEntry }),
    configYaml: `
logging: { bodies: full, max_body_kb: 4 }
providers:
  moonshot:
    regions: { global: \${SIM}/v1, cn: \${SIM}/cn/v1 }
    credentials:
      - { name: main, api_key: ${GLOBAL_KEY}, region: global }
`,
  });
});
afterAll(() => stack.close());

describe('log bodies prepared by the store writer thread', () => {
  it('stores a long conversation shortened within max_body_kb, valid JSON with every message, and a short one as sent', async () => {
    const messages = [
      { role: 'system' as const, content: 'You are terse.' },
      { role: 'user' as const, content: long(60) },
      { role: 'assistant' as const, content: long(40) },
      { role: 'user' as const, content: 'Sum it up. [[sim:tokens=4]]' },
    ];
    const longCall = await stack.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages }).withResponse();
    const shortBody = { model: 'moonshot/kimi-k2.6', messages: [{ role: 'user' as const, content: 'hi [[sim:tokens=3]]' }] };
    const shortCall = await stack.client.chat.completions.create(shortBody).withResponse();
    await stack.flush();

    const stored = (await stack.api(`/v1/logs/${longCall.response.headers.get('x-moongate-request-id')}`)).json;
    expect(Buffer.byteLength(JSON.stringify(stored.request))).toBeLessThanOrEqual(4096);
    expect(stored.request.messages.map((m: { role: string }) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(stored.request.messages[1].content).toMatch(/^The harbour lights.*…\[truncated \d+ chars\]$/s);
    expect(stored.request.messages[3].content).toBe('Sum it up. [[sim:tokens=4]]');
    // As the serving thread would have prepared it from the same body.
    const sent = { model: 'moonshot/kimi-k2.6', messages };
    expect(stored.request).toEqual(JSON.parse(prepareBody(sent, { mode: 'full', maxBytes: 4096 }, JSON.stringify(sent))!));
    expect(stored.response.choices[0].message.content).toBe(longCall.data.choices[0]!.message.content);

    const short = (await stack.api(`/v1/logs/${shortCall.response.headers.get('x-moongate-request-id')}`)).json;
    expect(short.request).toEqual(shortBody);
  });

  it('writes records whose bodies were left for later exactly as prepared at once; one that cannot be prepared is kept without it', async () => {
    const store = await openStore(`sqlite:${stack.dir}/direct.db`, { thread: 'worker', workerEntry });
    try {
      const png = `data:image/png;base64,${'iVBORw0KGgo'.repeat(100)}AA==`;
      const cases: [string, unknown, BodyPolicy][] = [
        ['over-cap', { model: 'kimi', messages: [{ role: 'user', content: long(80) }] }, { mode: 'full', maxBytes: 2048 }],
        ['inline-file', { model: 'kimi', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: png } }] }] }, { mode: 'full', maxBytes: 65536 }],
        ['redacted', { model: 'kimi', messages: [{ role: 'user', content: 'a secret' }] }, { mode: 'redacted', maxBytes: 65536 }],
      ];
      const broken: PendingBody = { pending_body: true, text: '{"model":', mode: 'full', maxBytes: 16 };
      await store.logs.insert([
        ...cases.map(([id, body, policy]) => logEntry({ id, request_json: prepareBodyLater(body, policy, JSON.stringify(body)) })),
        logEntry({ id: 'broken', request_json: broken, response_json: '{"ok":true}' }),
      ]);
      for (const [id, body, policy] of cases) {
        expect((await store.logs.get(id))!.request).toEqual(JSON.parse(prepareBody(body, policy, JSON.stringify(body))!));
      }
      expect(await store.logs.get('broken')).toMatchObject({ id: 'broken', request: null, response: { ok: true } });
    } finally {
      await store.close();
    }
  });
});
