/**
 * Reads an OpenAI-style SSE body: calls `onEvent` with each `data:` JSON until `[DONE]`. Resolves
 * true when `[DONE]` came, false when the body simply ended: a stream cut on the way (a proxy's
 * timeout, a gateway restart) ends like that, and its answer must not be shown as finished.
 */
export async function readSse(body: ReadableStream<Uint8Array>, onEvent: (data: unknown) => void): Promise<boolean> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    // Events end with a blank line; keep an incomplete tail for the next read.
    const events = buffer.split(/\r?\n\r?\n/);
    buffer = events.pop() ?? '';
    for (const event of events) {
      const data = dataOf(event);
      if (!data) continue;
      if (data === '[DONE]') return true;
      onEvent(JSON.parse(data));
    }
  }
  // The last event may lack its blank line; a cut-off fragment of JSON is not an event.
  const data = dataOf(buffer + decoder.decode());
  if (data === '[DONE]') return true;
  if (data) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      return false;
    }
    onEvent(parsed);
  }
  return false;
}

function dataOf(event: string): string {
  return event
    .split(/\r?\n/)
    .filter((l) => l.startsWith('data:'))
    .map((l) => l.slice(5).trimStart())
    .join('\n');
}
