import { checkHttpUrl } from '../config/check-values.js';
import { lazyUndiciRequest as request } from '../upstream/lazy-undici-request.js';
import { isPlainObject } from '../server/plain-object.js';

export interface AdminTarget {
  url: string;
  masterKey: string | undefined;
}

/** A field a Moongate answer must have, and the kind of value it holds. */
export type AnswerShape = Record<string, 'string' | 'array'>;

/**
 * Calls a running gateway's admin API, so the CLI works the same whatever store the gateway uses.
 * Errors print the gateway's own message and exit non-zero. `shape` names the fields a success
 * must have: something else on that port (another server, a proxy's page) may answer 200 with
 * other JSON, and the commands must say so rather than print `undefined` or report success.
 */
export async function adminCall(
  target: AdminTarget,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  shape: AnswerShape,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = {
    ...(target.masterKey ? { authorization: `Bearer ${target.masterKey}` } : {}),
    ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
  };
  const answer = await callGateway(target.url, method, path, headers, body !== undefined ? JSON.stringify(body) : undefined);
  if (answer.status >= 400) {
    const message = gatewayErrorMessage(answer.json) ?? answer.text;
    throw new Error(`HTTP ${answer.status}: ${message}${answer.status === 401 ? ` ${masterKeyHint(target.masterKey, '--master-key')}` : ''}`);
  }
  return expectShape(answer, target.url, shape);
}

/** What a gateway answered: its status, its body as text, and that text parsed (it was JSON). */
export interface GatewayAnswer {
  status: number;
  text: string;
  json: unknown;
}

/** How long a CLI command waits for a gateway's answer (undici's own default is 5 minutes). */
export const GATEWAY_ANSWER_TIMEOUT_MS = 30_000;

export interface CallOptions {
  /** Stops the request (Ctrl-C); the abort error is thrown as it is, for the caller to tell apart. */
  signal?: AbortSignal;
  timeoutMs?: number;
}

/**
 * One request to a running gateway, for every CLI command that asks one (`keys`, `logs`). A
 * gateway that cannot be reached, does not answer in time, or answers something that is not JSON
 * becomes an error that says what happened and what to check, instead of undici's or
 * JSON.parse's own words.
 */
export async function callGateway(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
  options: CallOptions = {},
): Promise<GatewayAnswer> {
  const timeoutMs = options.timeoutMs ?? GATEWAY_ANSWER_TIMEOUT_MS;
  const failed = (err: unknown, what: string): Error => {
    if (options.signal?.aborted) return err as Error;
    const e = err as { code?: string; message?: string };
    if (e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT') {
      return new Error(`the gateway at ${baseUrl} did not answer within ${timeoutMs / 1000} s; it is reachable but busy or stuck. Try again, or check its own output.`);
    }
    return new Error(`${what} (${e.code ?? e.message}).${what.startsWith('could not') ? ' Is it running? Use --url to point at it.' : ' Try again.'}`);
  };
  let res;
  try {
    res = await request(`${baseUrl.replace(/\/+$/, '')}${path}`, {
      method: method as 'GET',
      headers,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(body !== undefined ? { body } : {}),
    });
  } catch (err) {
    throw failed(err, `could not reach the gateway at ${baseUrl}`);
  }
  let text: string;
  try {
    text = await res.body.text();
  } catch (err) {
    throw failed(err, `the gateway at ${baseUrl} closed the connection in the middle of its answer`);
  }
  try {
    return { status: res.statusCode, text, json: JSON.parse(text) as unknown };
  } catch {
    throw new Error(`the gateway at ${baseUrl} answered HTTP ${res.statusCode} with: ${preview(text)}`);
  }
}

/** The message of an OpenAI-shaped error answer, if it is one. */
export function gatewayErrorMessage(json: unknown): string | undefined {
  const error = isPlainObject(json) ? json.error : undefined;
  return isPlainObject(error) && typeof error.message === 'string' ? error.message : undefined;
}

/** The answer as an object, when it has every field of `shape`; else an error naming what is missing. */
export function expectShape(answer: GatewayAnswer, baseUrl: string, shape: AnswerShape): Record<string, unknown> {
  const json = answer.json;
  const missing = Object.entries(shape).find(([field, kind]) => {
    const value = isPlainObject(json) ? json[field] : undefined;
    return kind === 'array' ? !Array.isArray(value) : typeof value !== 'string';
  });
  if (isPlainObject(json) && missing === undefined) return json;
  const [field, kind] = missing!;
  throw new Error(
    `the gateway at ${baseUrl} answered HTTP ${answer.status} with JSON that is not a Moongate answer ` +
      `(no "${field}" ${kind === 'array' ? 'list' : 'string'}): ${preview(answer.text)}. Is --url pointing at a Moongate gateway?`,
  );
}


/** The start of an answer, for an error line (a web page can be long). */
function preview(text: string): string {
  const trimmed = text.trim();
  return trimmed === '' ? '(an empty body)' : trimmed.slice(0, 200);
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
  return gatewayRoot(url);
}

/**
 * The gateway's root. Clients are given `http://HOST:PORT/v1`, and that URL is the one at hand;
 * the admin and log routes are asked below the root, so `/v1/admin/keys` was a 404 and `logs`
 * asked for `/v1/v1/logs`.
 */
function gatewayRoot(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/v1$/, '');
}

export function adminTarget(options: { url?: string; masterKey?: string }): AdminTarget {
  return {
    url: gatewayUrl(options.url),
    masterKey: options.masterKey ?? process.env.MOONGATE_MASTER_KEY,
  };
}
