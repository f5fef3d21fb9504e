import { mapStrings } from './map-json.js';

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

// What replaceBinaryData leaves: `[image image/png, 826 bytes]`, `[file …]`, `[base64 data, 3750 bytes]`.
// (The last has a comma where the others have a space: it was taken for content and redacted, so
// its own length, 25 characters, was logged as if it were the message's.)
// Matched whole: text that merely starts like one ("[image of …") is content, and is redacted.
const PLACEHOLDER = /^\[(?:(?:image|file) [a-z0-9.+-]+\/[a-z0-9.+-]+|base64 data), \d+ bytes\]$/;

/**
 * `logging.bodies: redacted`: the body keeps its structure (roles, tool names, parameters,
 * usage) but every piece of content becomes `[redacted N chars]`.
 */
export function redactContents(value: unknown): unknown {
  return mapStrings(value, (s, key, ancestors) => {
    if (PLACEHOLDER.test(s)) return s;
    const inContent = (key !== undefined && CONTENT_KEYS.has(key)) || ancestors.some((a) => CONTENT_KEYS.has(a));
    if (!inContent || (key !== undefined && STRUCTURAL_KEYS.has(key) && !CONTENT_KEYS.has(key))) return s;
    return `[redacted ${s.length} chars]`;
  });
}
