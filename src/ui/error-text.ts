/**
 * A readable sentence for an error answer, whatever its shape. The gateway's own errors are
 * `{"error": {"message": "…"}}`, but what reaches the browser may come from something in between
 * (a reverse proxy's HTML page) or from a provider passed through (`{"error": "…"}`, a message that
 * is an object): those showed as "[object Object]" or a bare "HTTP 502".
 */
export function errorText(status: number, body: unknown): string {
  const own = ownMessage(body);
  if (own !== undefined) return own;
  const said = described(body);
  if (!said) return `HTTP ${status}`;
  return said.includes(String(status)) ? said : `HTTP ${status}: ${said}`;
}

const MAX = 500;

function ownMessage(body: unknown): string | undefined {
  const message = (body as { error?: { message?: unknown } } | undefined)?.error?.message;
  return typeof message === 'string' && message !== '' ? message : undefined;
}

function described(body: unknown): string | undefined {
  if (typeof body === 'string') return textOf(body);
  if (!body || typeof body !== 'object') return undefined;
  const error = (body as { error?: unknown }).error ?? body;
  if (typeof error === 'string') return cut(error);
  if (!error || typeof error !== 'object') return undefined;
  const { message, detail } = error as { message?: unknown; detail?: unknown };
  for (const v of [message, detail]) {
    if (typeof v === 'string' && v !== '') return cut(v);
    if (v && typeof v === 'object') return cut(JSON.stringify(v));
  }
  return cut(JSON.stringify(error));
}

/** The words of an HTML page (its title when it has one), or the text itself. */
function textOf(text: string): string | undefined {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1];
  const words = (title ?? text.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ').trim();
  return words ? cut(words) : undefined;
}

function cut(s: string): string {
  return s.length > MAX ? `${s.slice(0, MAX)}…` : s;
}
