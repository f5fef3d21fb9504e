import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/index.js';
import { createGateway } from '../../src/gateway.js';
import type { Gateway } from '../../src/gateway.js';
import { listenLoopback } from '../helpers/loopback-upstream.js';
import type { LoopbackUpstream } from '../helpers/loopback-upstream.js';

/**
 * GET /v1/models across providers. When a provider's live list cannot be had (its key refused,
 * the host down), Moonshot's models came from the catalogue but OpenAI's and Anthropic's, which
 * the catalogue knows as well (it prices them), disappeared from the list. And Anthropic's list
 * gives `created_at` as an RFC 3339 date where OpenAI's `created` is Unix seconds: it became 0.
 */
let down: LoopbackUpstream;
let anthropic: LoopbackUpstream;
let gateway: Gateway;
let client: OpenAI;

beforeAll(async () => {
  down = await listenLoopback((req, res) => {
    req.resume().on('end', () => res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}'));
  });
  anthropic = await listenLoopback((req, res) => {
    req.resume().on('end', () =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          data: [{ type: 'model', id: 'claude-sonnet-4-5-20250929', display_name: 'Claude Sonnet 4.5', created_at: '2025-09-29T00:00:00Z' }],
          has_more: false,
          first_id: 'claude-sonnet-4-5-20250929',
          last_id: 'claude-sonnet-4-5-20250929',
        }),
      ),
    );
  });
  const yaml = `
providers:
  openai: { base_url: ${down.base}, api_key: sk-openai-review-0001 }
  anthropic: { base_url: ${anthropic.base}, api_key: sk-ant-review-0001 }
  local: { base_url: ${down.base}, api_key: sk-local-review-0001 }
`;
  gateway = createGateway(parseConfigText(yaml, 'test.yaml', {}));
  const url = await gateway.listen(0, '127.0.0.1');
  client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'open-mode', maxRetries: 0 });
});
afterAll(async () => {
  await gateway.close();
  await down.close();
  await anthropic.close();
});

describe('GET /v1/models with providers other than Moonshot', () => {
  it("lists OpenAI's catalogue models when OpenAI's own list cannot be had, as it does Moonshot's", async () => {
    const list = await client.models.list();
    const gpt5 = list.data.find((m) => m.id === 'openai/gpt-5');
    expect(gpt5).toMatchObject({ object: 'model', owned_by: 'openai', context_window: 400000 });
    // A host the catalogue knows nothing of still lists nothing rather than guesses.
    expect(list.data.some((m) => m.id.startsWith('local/'))).toBe(false);
  });

  it("gives an Anthropic model's created_at as created in Unix seconds, keeping the rest of its entry", async () => {
    const list = await client.models.list();
    const sonnet = list.data.find((m) => m.id === 'anthropic/claude-sonnet-4-5-20250929') as unknown as Record<string, unknown>;
    expect(sonnet).toMatchObject({ object: 'model', created: Date.parse('2025-09-29T00:00:00Z') / 1000, display_name: 'Claude Sonnet 4.5', created_at: '2025-09-29T00:00:00Z' });
  });
});
