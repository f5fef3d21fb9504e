import { checkHttpUrl } from '../config/check-values.js';
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
    throw new Error(`HTTP ${res.statusCode}: ${message}${res.statusCode === 401 ? ` ${masterKeyHint(target.masterKey, '--master-key')}` : ''}`);
  }
  return json;
}

/** What to do about a 401, for the flag the command takes the master key from. */
export function masterKeyHint(masterKey: string | undefined, flag: string): string {
  return masterKey
    ? `(The master key given was refused: check ${flag} or $MOONGATE_MASTER_KEY.)`
    : `(No master key was given: use ${flag} or set $MOONGATE_MASTER_KEY.)`;
}

export const DEFAULT_GATEWAY_URL = 'http://127.0.0.1:4000';

/**
 * The gateway to talk to: `--url`, else $MOONGATE_URL (empty counts as unset), else the default.
 * Checked here so that `127.0.0.1:4000` (no scheme) is named as the problem, not a failed request.
 */
export function gatewayUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.MOONGATE_URL === '' ? undefined : env.MOONGATE_URL;
  const url = flag ?? fromEnv ?? DEFAULT_GATEWAY_URL;
  if (checkHttpUrl(url) !== undefined) {
    const source = flag !== undefined ? '--url' : 'MOONGATE_URL';
    throw new Error(`${source} ${JSON.stringify(url)} is not a valid gateway URL; expected the form http://HOST:PORT, e.g. ${DEFAULT_GATEWAY_URL}`);
  }
  return url;
}

export function adminTarget(options: { url?: string; masterKey?: string }): AdminTarget {
  return {
    url: gatewayUrl(options.url),
    masterKey: options.masterKey ?? process.env.MOONGATE_MASTER_KEY,
  };
}
