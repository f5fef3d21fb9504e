import type { ProviderType } from '../config/types.js';
import type { GatewayExtensions } from '../server/gateway-extensions.js';
import type { ChatRequestBody } from '../server/validate-chat-request.js';

/** The body's `metadata`, boxed so that a `null` one is told apart from none. */
export interface StoredMetadata {
  readonly value: unknown;
}

/**
 * Body `metadata` is Moongate's (recorded in the log, never forwarded), but OpenAI has a field of
 * that name too: tags for a completion it keeps when asked with `store: true` (stored completions,
 * evals, distillation). A request with `store: true` means OpenAI's, so its `metadata` is also
 * offered to the upstream (see placeStoredMetadata); without it, it stays the gateway's alone.
 */
export function metadataForStore(body: ChatRequestBody, extensions: GatewayExtensions): StoredMetadata | undefined {
  if (body.store !== true || !('metadata' in extensions)) return undefined;
  return { value: extensions.metadata };
}

/**
 * Puts a `store: true` request's metadata back into the upstream body for OpenAI itself, unchanged.
 * Any other upstream (Moonshot, an OpenAI-compatible server, which may take the field for something
 * else or refuse it) does not get it, and the drop is named: the caller asked for it to be stored.
 */
export function placeStoredMetadata(out: Record<string, unknown>, stored: StoredMetadata | undefined, type: ProviderType, adjustments: string[]): void {
  if (stored === undefined) return;
  if (type === 'openai') out.metadata = stored.value;
  else adjustments.push('metadata=dropped(stored by type openai only; logged)');
}
