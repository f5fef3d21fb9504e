import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../config/index.js';
import { ModelListing } from './list-models.js';

describe('ModelListing', () => {
  it('falls back to the catalogue when Moonshot cannot be asked, and lists aliases first', async () => {
    const config = parseConfigText(
      `
providers:
  moonshot:
    regions: { global: "http://127.0.0.1:9/v1", cn: "http://127.0.0.1:9/cn/v1" }
    api_key: sk-unreachable
models:
  - { name: kimi, model: moonshot/kimi-k2.6 }
`,
      'test.yaml',
      {},
    );
    const list = await new ModelListing(config).list();
    expect(list.data[0]).toMatchObject({ id: 'kimi', owned_by: 'moongate', targets: ['moonshot/kimi-k2.6'] });
    expect(list.data.map((m) => m.id)).toContain('moonshot/kimi-k3');
    expect(list.data.find((m) => m.id === 'moonshot/kimi-k2.5')).toMatchObject({ retired_on: '2026-08-31' });
    // The same fields as a live list's entries: Moonshot's context_length beside our context_window.
    expect(list.data.find((m) => m.id === 'moonshot/kimi-k2.6')).toMatchObject({ context_window: 262144, context_length: 262144 });
  });

  it("keeps a live list's own context_length: the provider's word wins over the catalogue's copy", async () => {
    const upstream = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: [{ id: 'kimi-k2.6', object: 'model', context_length: 524288 }] }));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
    try {
      const config = parseConfigText(`providers:\n  moonshot:\n    regions: { global: "${base}", cn: "${base}" }\n    api_key: sk-live\n`, 'test.yaml', {});
      const list = await new ModelListing(config).list();
      expect(list.data.find((m) => m.id === 'moonshot/kimi-k2.6')).toMatchObject({ context_length: 524288, context_window: 262144 });
    } finally {
      await new Promise((resolve) => upstream.close(resolve));
    }
  });
});
