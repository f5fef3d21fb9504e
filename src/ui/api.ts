import { errorText } from './error-text.js';

/**
 * Every call the dashboard makes goes to this gateway (same origin) with the signed-in key.
 * The key lives in sessionStorage: gone when the tab closes, never written to disk by us.
 */
const STORAGE = 'moongate.key';

export function savedKey(): string | null {
  return sessionStorage.getItem(STORAGE);
}

export function saveKey(key: string | null): void {
  if (key === null) sessionStorage.removeItem(STORAGE);
  else sessionStorage.setItem(STORAGE, key);
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Fetches with the key; throws ApiError with the gateway's own error message on non-2xx. */
export async function api<T = unknown>(path: string, init: { method?: string; body?: unknown; key?: string } = {}): Promise<T> {
  const res = await send(path, init);
  const text = await res.text();
  const body = text ? safeParse(text) : undefined;
  if (!res.ok) {
    const message = errorText(res.status, body);
    // A key being tried at sign-in is not the session's key: only a rejected session key signs out.
    if (res.status === 401 && init.key === undefined) onUnauthorized?.(message);
    throw new ApiError(res.status, message);
  }
  return body as T;
}

/** The error an answer that is not 2xx carries, as a sentence (for callers of `send`). */
export async function errorOf(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  return errorText(res.status, text ? safeParse(text) : undefined);
}

/** The raw response (for streams and headers). */
export async function send(path: string, init: { method?: string; body?: unknown; key?: string; signal?: AbortSignal } = {}): Promise<Response> {
  const key = init.key ?? savedKey();
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  try {
    return await fetch(path, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers,
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      ...(init.signal ? { signal: init.signal } : {}),
    });
  } catch (err) {
    // The browser's own words ("Failed to fetch", "NetworkError when attempting to fetch
    // resource") do not say that the gateway is the one not answering. A stop (AbortError) is not that.
    if (err instanceof TypeError) throw new ApiError(0, `Could not reach the gateway at ${location.origin}: it is down, restarting, or the network is in the way. (${err.message})`);
    throw err;
  }
}

/** Set by the shell: a rejected key sends the user back to sign-in, told why. */
let onUnauthorized: ((why: string) => void) | undefined;
export function whenUnauthorized(fn: (why: string) => void): void {
  onUnauthorized = fn;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function query(params: Record<string, string | number | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
