/** Frames one SSE event the way OpenAI does: a single data line and a blank line. */
export function sseEvent(data: string): string {
  return `data: ${data}\n\n`;
}

export const SSE_DONE = 'data: [DONE]\n\n';

/** An OpenAI-style error event for a failure after the stream has started. */
export function sseErrorEvent(message: string, type: string, code: string | null): string {
  return sseEvent(JSON.stringify({ error: { message, type, code, param: null } }));
}
