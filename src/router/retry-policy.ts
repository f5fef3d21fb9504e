import { GatewayError } from '../server/gateway-error.js';

/**
 * A failure the gateway made of an attempt itself: the request stopped (its deadline passed, the
 * client left) or an error inside the gateway. It says nothing about the deployment and is not
 * retried. Known by its class, not its code: an upstream may answer with the very same codes
 * (another Moongate in front of the provider answers `internal_error`, `request_timeout`), and
 * its 5xx must fail over and count like any other.
 */
export class OwnFailure extends GatewayError {}

/** The request's client went away before its answer (logged as 499). */
export function clientClosedRequest(): OwnFailure {
  return new OwnFailure(499, 'The client closed the connection.', { type: 'api_error', code: 'client_closed_request' });
}

/** What a failed attempt says about the request and about the deployment that failed. */
export interface FailureVerdict {
  /** Another attempt (elsewhere, or here after a wait) may succeed. */
  retryable: boolean;
  /** How the failure reflects on the deployment ('answered': it works, the request was at fault). */
  effect: 'none' | 'answered' | 'unhealthy' | 'cool' | 'disable_credential';
  /** The upstream's own "try again after" hint. */
  retryAfterMs?: number;
}

/**
 * A request timeout, and every server error but 501 (the upstream does not implement what was
 * asked: it will say so again): 500–504, Cloudflare's 520–524 in front of an upstream, 529
 * "overloaded" (Anthropic's). They say the deployment is unwell, not that the request is wrong.
 */
function unhealthyStatus(status: number): boolean {
  return status === 408 || (status >= 500 && status <= 599 && status !== 501);
}

/**
 * Which failures are worth another attempt. The caller's mistakes (400, 403, 404, 413) are not:
 * they fail the same everywhere. A 401 is the caller's when they brought the key, but the
 * operator's when it is a configured credential: then the credential is disabled and the request
 * moves to another one, so callers don't pay for a revoked key in the config.
 */
/**
 * The key has no money left: Moonshot's `exceeded_current_quota_error`, OpenAI's 429
 * `insufficient_quota`. Waiting does not help, so it is treated like a rejected key.
 */
function noBalance(error: GatewayError): boolean {
  return error.type === 'exceeded_current_quota_error' || error.type === 'insufficient_quota' || error.code === 'insufficient_quota';
}

export function judgeFailure(error: GatewayError, callerBroughtKey: boolean): FailureVerdict {
  const status = error.status;
  // Our own failures and a client gone say nothing about the deployment.
  if (status === 499 || error instanceof OwnFailure) return { retryable: false, effect: 'none' };
  // A caller's own key is theirs: its failures never change shared state, and its rejection is final.
  if (callerBroughtKey) {
    const keyProblem = status === 401 || noBalance(error) || error.code === 'invalid_credential_format';
    if (keyProblem) return { retryable: false, effect: 'none' };
    const verdict = judgeFailure(error, false);
    return { ...verdict, effect: 'none' };
  }
  // No balance, whatever status says it: usually a 429, a 403 by some of Moonshot's docs.
  if (status === 401 || error.code === 'invalid_credential_format' || noBalance(error)) return { retryable: true, effect: 'disable_credential' };
  if (status === 429) {
    const retryAfterMs = retryAfter(error);
    if (error.code === 'gateway_capacity_exceeded') return { retryable: false, effect: 'none' };
    return { retryable: true, effect: 'cool', retryAfterMs };
  }
  if (error.type === 'engine_overloaded_error') return { retryable: true, effect: 'cool', retryAfterMs: retryAfter(error) };
  if (unhealthyStatus(status)) return { retryable: true, effect: 'unhealthy', retryAfterMs: retryAfter(error) };
  // The upstream answered, and the request was the problem: the deployment itself is fine.
  return { retryable: false, effect: 'answered' };
}

/** The upstream's retry hint: `retry-after-ms` (Azure's, read first by the OpenAI SDKs), else seconds or an HTTP date in `retry-after`. */
export function retryAfter(error: GatewayError): number | undefined {
  const ms = error.headers['retry-after-ms'];
  if (ms !== undefined && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const header = error.headers['retry-after'];
  if (header === undefined) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

/** Exponential backoff with full jitter; an upstream retry-after wins when it is longer. */
export function backoffMs(retryOfSameDeployment: number, baseMs: number, retryAfterMs: number | undefined, random: () => number = Math.random): number {
  const exponential = Math.min(10_000, baseMs * 2 ** retryOfSameDeployment);
  const jittered = random() * exponential;
  return Math.max(jittered, retryAfterMs ?? 0);
}
