/**
 * Frames one SSE event the way OpenAI does: a data line and a blank line. An event an upstream
 * sent over several `data:` lines arrives joined with line breaks (as SSE says); each line gets
 * its own `data:` again, or the lines after the first would reach the client as garbage.
 */
export function sseEvent(data: string): string {
  if (data.includes('\n')) return `data: ${data.replaceAll('\r\n', '\n').replaceAll('\n', '\ndata: ')}\n\n`;
  return `data: ${data}\n\n`;
}

export const SSE_DONE = 'data: [DONE]\n\n';

/** An OpenAI-style error event for a failure after the stream has started. */
export function sseErrorEvent(message: string, type: string, code: string | null): string {
  return sseEvent(JSON.stringify({ error: { message, type, code, param: null } }));
}
