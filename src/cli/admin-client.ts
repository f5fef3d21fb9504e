import { lazyUndiciRequest as request } from '../upstream/lazy-undici-request.js';

export interface AdminTarget {
  url: string;
  masterKey: string | undefined;
}

/**
 * Calls a running gateway's admin API, so the CLI works the same whatever store the gateway uses.
 * Errors print the gateway's own message and exit non-zero.
 */
export async function adminCall(target: AdminTarget, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
  let res;
  try {
    res = await request(`${target.url.replace(/\/$/, '')}${path}`, {
      method,
      headers: {
        ...(target.masterKey ? { authorization: `Bearer ${target.masterKey}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (err) {
    const e = err as { code?: string; message?: string };
    throw new Error(`could not reach the gateway at ${target.url} (${e.code ?? e.message}). Is it running? Use --url to point at it.`);
  }
  const text = await res.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`the gateway answered HTTP ${res.statusCode} with: ${text.slice(0, 200)}`);
  }
  if (res.statusCode >= 400) {
    const message = (json as { error?: { message?: string } }).error?.message ?? text;
    throw new Error(`HTTP ${res.statusCode}: ${message}`);
  }
  return json;
}

export function adminTarget(options: { url?: string; masterKey?: string }): AdminTarget {
  return {
    url: options.url ?? process.env.MOONGATE_URL ?? 'http://127.0.0.1:4000',
    masterKey: options.masterKey ?? process.env.MOONGATE_MASTER_KEY,
  };
}
