import { mapStrings } from './map-json.js';
import { binaryPlaceholder } from './replace-binary-data.js';

/** Keys whose value is what people wrote or the model answered (in any of the shapes we log). */
const CONTENT_KEYS = new Set([
  'content',
  'text',
  'reasoning_content',
  'reasoning',
  'refusal',
  'arguments',
  'prompt',
  'input',
  'instructions',
  'system',
  'output',
  'prompt_messages',
  'completion_message',
]);

/** Keys inside content that describe it rather than say it; kept so the structure stays readable. */
const STRUCTURAL_KEYS = new Set(['type', 'role', 'id', 'name', 'tool_call_id', 'index', 'detail', 'format', 'mime_type', 'media_type', 'finish_reason']);

/**
 * `logging.bodies: redacted`: the body keeps its structure (roles, tool names, parameters,
 * usage) but every piece of content becomes `[redacted N chars]`. Inline files become their
 * placeholder (`[image image/png, 826 bytes]`, `[base64 data, 3750 bytes]`) in the same pass, and
 * only those are kept: a string is never kept for looking like a placeholder, since a user can
 * write `[file pin-4921/iban.de89…, 1 bytes]` (it was, and was logged in clear). So give this the
 * body as received, not the output of replaceBinaryData, whose placeholders would be redacted.
 */
export function redactContents(value: unknown): unknown {
  return mapStrings(value, (s, key, ancestors) => {
    const placeholder = binaryPlaceholder(s);
    if (placeholder !== s) return placeholder;
    const inContent = (key !== undefined && CONTENT_KEYS.has(key)) || ancestors.some((a) => CONTENT_KEYS.has(a));
    if (!inContent || (key !== undefined && STRUCTURAL_KEYS.has(key) && !CONTENT_KEYS.has(key))) return s;
    return `[redacted ${s.length} chars]`;
  });
}
