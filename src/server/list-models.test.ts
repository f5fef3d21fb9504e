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
});
