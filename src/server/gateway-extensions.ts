import type { ChatRequestBody } from './validate-chat-request.js';

/** Fields that tell the gateway something and mean nothing to a provider; they never go upstream. */
const EXTENSION_FIELDS = ['customer_credentials', 'credential_override', 'customer_identifier', 'metadata', 'fallbacks'] as const;

export type GatewayExtensions = Partial<Record<(typeof EXTENSION_FIELDS)[number], unknown>>;

const IS_EXTENSION: ReadonlySet<string> = new Set(EXTENSION_FIELDS);

export function splitGatewayExtensions(body: ChatRequestBody): { forward: ChatRequestBody; extensions: GatewayExtensions } {
  const extensions: GatewayExtensions = {};
  let found = false;
  for (const field of EXTENSION_FIELDS) {
    if (!(field in body)) continue;
    extensions[field] = body[field];
    found = true;
  }
  if (!found) return { forward: body, extensions };
  // Copied without them rather than copied and `delete`d: a delete turns the copy into a slow
  // dictionary object for the rest of the request.
  const forward: Record<string, unknown> = {};
  for (const key of Object.keys(body)) {
    if (IS_EXTENSION.has(key)) continue;
    // A `"__proto__"` field stays a field: assigned, it would set the copy's prototype.
    if (key === '__proto__') Object.defineProperty(forward, key, { value: body[key], enumerable: true, writable: true, configurable: true });
    else forward[key] = body[key];
  }
  return { forward: forward as ChatRequestBody, extensions };
}
