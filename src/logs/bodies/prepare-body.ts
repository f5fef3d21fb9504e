import { fitToSize } from './fit-to-size.js';
import { redactContents } from './redact-contents.js';
import { replaceBinaryData } from './replace-binary-data.js';

export type BodyMode = 'full' | 'redacted' | 'off';

export interface BodyPolicy {
  mode: BodyMode;
  /** Serialized bodies longer than this are shortened (`logging.max_body_kb` × 1024). */
  maxBytes: number;
}

/** A body as it is stored: per `logging.bodies`, images replaced, size-capped; null when not kept. */
export function prepareBody(body: unknown, policy: BodyPolicy): string | null {
  if (policy.mode === 'off' || body === undefined || body === null) return null;
  let value = replaceBinaryData(body);
  if (policy.mode === 'redacted') value = redactContents(value);
  return fitToSize(value, policy.maxBytes);
}
