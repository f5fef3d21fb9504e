import { isPlainObject } from '../server/plain-object.js';

/**
 * The data of an SSE event named `error` (`event: error`), as the `{"error": …}` object the
 * stream transformers recognise. Some OpenAI-compatible servers report a failure mid-stream this
 * way, with data that is a bare `{"message": …}` or plain text; read as an ordinary chunk it was
 * passed on as one, followed by "upstream closed the stream before it finished".
 */
export function errorEventData(data: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    parsed = undefined;
  }
  if (isPlainObject(parsed)) {
    return 'error' in parsed && parsed.error !== null && parsed.error !== undefined ? data : JSON.stringify({ error: parsed });
  }
  const message = data.trim() === '' ? 'the upstream sent an error event without a message' : data;
  return JSON.stringify({ error: { message } });
}
