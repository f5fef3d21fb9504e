import type { ChatRequestBody } from './validate-chat-request.js';

/** Fields that tell the gateway something and mean nothing to a provider; they never go upstream. */
const EXTENSION_FIELDS = ['customer_credentials', 'credential_override', 'customer_identifier', 'metadata', 'fallbacks'] as const;

export type GatewayExtensions = Partial<Record<(typeof EXTENSION_FIELDS)[number], unknown>>;

export function splitGatewayExtensions(body: ChatRequestBody): { forward: ChatRequestBody; extensions: GatewayExtensions } {
  let forward: ChatRequestBody | undefined;
  const extensions: GatewayExtensions = {};
  for (const field of EXTENSION_FIELDS) {
    if (!(field in body)) continue;
    forward ??= { ...body };
    extensions[field] = body[field];
    delete forward[field];
  }
  return { forward: forward ?? body, extensions };
}
