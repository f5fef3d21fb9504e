import { describe, expect, it } from 'vitest';
import type { ProviderConfig, ProviderType } from '../config/types.js';
import { splitGatewayExtensions } from '../server/gateway-extensions.js';
import type { ChatRequestBody } from '../server/validate-chat-request.js';
import { MoonshotProvider } from './moonshot/moonshot-provider.js';
import { InMemoryReasoningMemory } from './moonshot/reasoning-memory.js';
import { OpenAICompatibleProvider } from './openai-compatible/openai-compatible-provider.js';
import { metadataForStore } from './stored-completion-metadata.js';
import type { CallContext, Provider } from './types.js';

const credential = { name: 'main', apiKey: 'sk-test', baseUrl: 'http://127.0.0.1:9/v1' };

function provider(type: ProviderType): Provider {
  const config: ProviderConfig = { name: type, type, regions: { global: credential.baseUrl, cn: credential.baseUrl }, credentials: [], credential_override: {}, stream_usage: true };
  return type === 'moonshot' ? new MoonshotProvider(config, new InMemoryReasoningMemory()) : new OpenAICompatibleProvider(config);
}

/** What `type`'s upstream is sent for the client's JSON text, and the adjustments named. */
async function sent(type: ProviderType, text: string): Promise<{ body: Record<string, unknown>; adjustments: string[] }> {
  const body = JSON.parse(text) as ChatRequestBody;
  const { forward, extensions } = splitGatewayExtensions(body);
  const ctx: CallContext = { requestId: 'r1', callerScope: 's', clientWantsUsage: false, captureResponse: false, storedMetadata: metadataForStore(forward, extensions) };
  const prepared = await provider(type).prepareChat(forward, 'm', credential, ctx, Buffer.from(text));
  return { body: JSON.parse(prepared.body.toString()) as Record<string, unknown>, adjustments: prepared.adjustments };
}

const metadata = { team: 'search', run: 'eval-7' };
const stored = JSON.stringify({ model: 'openai/m', store: true, metadata, messages: [{ role: 'user', content: 'hi' }] });

describe('body metadata with store: true (OpenAI stored completions)', () => {
  it('reaches an upstream of type openai unchanged, with nothing named as adjusted', async () => {
    const { body, adjustments } = await sent('openai', stored);
    expect(body).toMatchObject({ store: true, metadata });
    expect(adjustments).toEqual([]);
  });

  it('a null metadata is forwarded as null', async () => {
    const { body } = await sent('openai', JSON.stringify({ model: 'm', store: true, metadata: null, messages: [{ role: 'user', content: 'hi' }] }));
    expect(body).toHaveProperty('metadata', null);
  });

  it.each(['moonshot', 'openai-compatible'] as const)('is dropped for %s, and the drop is named', async (type) => {
    const { body, adjustments } = await sent(type, stored);
    expect(body).not.toHaveProperty('metadata');
    expect(body).toHaveProperty('store', true);
    expect(adjustments).toContain('metadata=dropped(stored by type openai only; logged)');
  });

  it.each([
    ['without store', { model: 'm', metadata, messages: [{ role: 'user', content: 'hi' }] }],
    ['with store: false', { model: 'm', store: false, metadata, messages: [{ role: 'user', content: 'hi' }] }],
    ['with store: "true" (not the boolean)', { model: 'm', store: 'true', metadata, messages: [{ role: 'user', content: 'hi' }] }],
  ])('stays the gateway\'s own %s, for every provider, silently', async (_name, request) => {
    for (const type of ['openai', 'openai-compatible', 'moonshot'] as const) {
      const { body, adjustments } = await sent(type, JSON.stringify(request));
      expect(body).not.toHaveProperty('metadata');
      expect(adjustments.join()).not.toContain('metadata');
    }
  });

  it('store: true without metadata adds none', async () => {
    const { body, adjustments } = await sent('openai', JSON.stringify({ model: 'm', store: true, messages: [{ role: 'user', content: 'hi' }] }));
    expect(body).not.toHaveProperty('metadata');
    expect(adjustments).toEqual([]);
  });
});
