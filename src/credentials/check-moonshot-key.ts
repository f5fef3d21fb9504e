import { lazyUndiciRequest as request } from '../upstream/lazy-undici-request.js';
import type { MoonshotRegion } from '../config/types.js';
import { isPlainObject } from '../server/plain-object.js';

export type CheckVerdict = 'ok' | 'whitespace' | 'wrong_region' | 'invalid' | 'no_balance' | 'unreachable';

export interface CheckResult {
  verdict: CheckVerdict;
  ok: boolean;
  /** The region the key works on, when it works somewhere. */
  region?: MoonshotRegion;
  /** Available balance as Moonshot reports it (USD on the global platform, CNY on .cn). */
  balance?: number;
  /** One sentence for a person, never containing the key. */
  message: string;
}

export interface CheckOptions {
  key: string;
  /** The region the key is configured for. */
  region: MoonshotRegion;
  regions: Record<MoonshotRegion, string>;
  /** Also ask the other region (default true); false where there is no other platform (moonshotCheckPlan). */
  askOther?: boolean;
  timeoutMs?: number;
}

type Probe =
  | { status: 'ok'; balance: number | undefined }
  | { status: 'unauthorized' }
  | { status: 'no_balance' }
  /** Not reached at all (refused, timed out, no DNS): `detail` says how. */
  | { status: 'unreachable'; detail: string }
  /** Reached, but it answered a status that says nothing about the key (a 403 from a proxy, a 5xx). */
  | { status: 'http_error'; httpStatus: number; notMoonshot?: true };

/**
 * Says why a Moonshot key does or does not work. Moonshot answers the same 401 for a revoked key,
 * a key pasted with whitespace and a key of the other platform, so this asks (one cheap balance
 * call each) the configured region, then with the key trimmed, then the other region.
 */
export async function checkMoonshotKey(options: CheckOptions): Promise<CheckResult> {
  const { key, region, regions } = options;
  const other: MoonshotRegion = region === 'global' ? 'cn' : 'global';
  const host = (r: MoonshotRegion): string => hostOf(regions[r]);
  const trimmed = key.replace(/\s+/g, '');

  const first = await probe(regions[region], key, options.timeoutMs);
  // HTTP drops whitespace at the end of a header, so a key with trailing whitespace may get through
  // here; it is still used exactly as given, and start-up warns about it: so is it reported here.
  if (trimmed !== key && (first.status === 'ok' || first.status === 'no_balance')) {
    return {
      verdict: 'whitespace',
      ok: false,
      region,
      ...(first.status === 'ok' && first.balance !== undefined ? { balance: first.balance } : {}),
      message: `The key contains whitespace (a space, tab or line break); ${host(region)} accepted it as sent only because HTTP drops whitespace at the end of a header value, and keys are used exactly as given. Remove the whitespace from the configured key.`,
    };
  }
  if (first.status === 'ok') return worked(region, first.balance, host(region));
  if (first.status === 'no_balance') return noBalance(region, host(region));
  if (first.status === 'unreachable') return { verdict: 'unreachable', ok: false, message: `Could not reach ${host(region)}: ${first.detail}.` };
  if (first.status === 'http_error' && first.notMoonshot) {
    return { verdict: 'unreachable', ok: false, message: `${host(region)} ${notMoonshotAnswer}, so it is probably not a Moonshot API: check the base URL.` };
  }
  if (first.status === 'http_error') {
    return {
      verdict: 'unreachable',
      ok: false,
      message: `${host(region)} answered HTTP ${first.httpStatus} to the balance check, which says nothing about the key (a proxy, firewall or outage in the way?). Try again later, or check the host's base URL.`,
    };
  }

  // What could not be asked (not reached, or an answer that says nothing about the key): while
  // anything is, the key cannot be called invalid.
  const unchecked: string[] = [];
  if (trimmed !== key) {
    const again = await probe(regions[region], trimmed, options.timeoutMs);
    if (again.status === 'unreachable' || again.status === 'http_error') unchecked.push(`${host(region)} (the key without its whitespace): ${probeTrouble(again)}`);
    if (again.status === 'ok' || again.status === 'no_balance') {
      return {
        verdict: 'whitespace',
        ok: false,
        region,
        ...(again.status === 'ok' ? { balance: again.balance } : {}),
        message: `The key contains whitespace (a space, tab or line break); without it the key works on ${host(region)}. Remove the whitespace from the configured key.`,
      };
    }
  }

  if (options.askOther === false) {
    if (unchecked.length > 0) return { verdict: 'unreachable', ok: false, message: `${host(region)} rejects the key (401), but the check could not finish: ${unchecked.join('; ')}.` };
    return {
      verdict: 'invalid',
      ok: false,
      message: `${host(region)} rejects the key: it was revoked, mistyped or never existed there. It is not one of Moonshot's platforms, so the other platform was not asked.`,
    };
  }

  const elsewhere = await probe(regions[other], trimmed, options.timeoutMs);
  if (elsewhere.status === 'ok' || elsewhere.status === 'no_balance') {
    return {
      verdict: 'wrong_region',
      ok: false,
      region: other,
      ...(elsewhere.status === 'ok' ? { balance: elsewhere.balance } : {}),
      message: `The key is rejected by ${host(region)} but valid on ${host(other)}: it belongs to the ${other === 'cn' ? 'China' : 'global'} platform. Set region: ${other} on this credential.`,
    };
  }
  if (elsewhere.status === 'unreachable' || elsewhere.status === 'http_error') unchecked.unshift(`${host(other)}: ${probeTrouble(elsewhere)}`);
  if (unchecked.length > 0) {
    // Rejected where it is configured, but the other platform (where the key may belong) could
    // not say: calling it invalid would tell the operator to delete a key that may be valid.
    return {
      verdict: 'unreachable',
      ok: false,
      message: `${host(region)} rejects the key (401), but the check could not finish: ${unchecked.join('; ')}. The key is not known to be invalid: it may belong to the ${other === 'cn' ? 'China' : 'global'} platform; check again once ${host(other)} can be reached (or fix its base URL) before replacing the key.`,
    };
  }
  return {
    verdict: 'invalid',
    ok: false,
    message: `Neither ${host(region)} nor ${host(other)} accepts the key: it was revoked, mistyped or never existed. Create a new key on the Moonshot platform.`,
  };
}

/** Why a probe said nothing about the key, for the message. */
function probeTrouble(p: Extract<Probe, { status: 'unreachable' | 'http_error' }>): string {
  if (p.status === 'unreachable') return `could not reach it (${p.detail})`;
  return p.notMoonshot ? `it ${notMoonshotAnswer}` : `it answered HTTP ${p.httpStatus}, which says nothing about the key`;
}

function worked(region: MoonshotRegion, balance: number | undefined, host: string): CheckResult {
  if (balance !== undefined && balance <= 0) return noBalance(region, host, balance);
  const shown = balance === undefined ? '' : `, available balance ${balance} ${region === 'cn' ? 'CNY' : 'USD'}`;
  return { verdict: 'ok', ok: true, region, ...(balance !== undefined ? { balance } : {}), message: `The key works on ${host} (region ${region})${shown}.` };
}

function noBalance(region: MoonshotRegion, host: string, balance?: number): CheckResult {
  return {
    verdict: 'no_balance',
    ok: false,
    region,
    ...(balance !== undefined ? { balance } : {}),
    message: `The key is valid on ${host} but the account has no balance left: requests will fail with 429 exceeded_current_quota_error until it is topped up.`,
  };
}

async function probe(baseUrl: string, key: string, timeoutMs = 10_000): Promise<Probe> {
  let authorization: string;
  try {
    authorization = `Bearer ${key}`;
    const res = await request(`${baseUrl.replace(/\/$/, '')}/users/me/balance`, {
      method: 'GET',
      headers: { authorization },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const text = await res.body.text();
    // Any web server answers 200 to a wrong base URL (a login page, a docs site): that says nothing about the key.
    if (res.statusCode === 200) return isBalanceAnswer(text) ? { status: 'ok', balance: readBalance(text) } : { status: 'http_error', httpStatus: 200, notMoonshot: true };
    if (res.statusCode === 401) return { status: 'unauthorized' };
    if (res.statusCode === 429 || res.statusCode === 403) {
      return /quota|balance|suspended/i.test(text) ? { status: 'no_balance' } : { status: 'http_error', httpStatus: res.statusCode };
    }
    return { status: 'http_error', httpStatus: res.statusCode };
  } catch (err) {
    const e = err as { code?: string; message?: string };
    // A key with a line break cannot even be sent as a header: that is whitespace, seen as a 401.
    if (e.code === 'UND_ERR_INVALID_ARG') return { status: 'unauthorized' };
    return { status: 'unreachable', detail: e.code ?? e.message ?? String(err) };
  }
}

const notMoonshotAnswer = "answered HTTP 200 to the balance check with something that is not Moonshot's balance answer";

/** Moonshot's `{"code":0,"data":{"available_balance":…},…}`, as opposed to any other 200. */
function isBalanceAnswer(text: string): boolean {
  try {
    const body = JSON.parse(text) as unknown;
    if (typeof body !== 'object' || body === null) return false;
    const data = (body as { data?: unknown }).data;
    return isPlainObject(data);
  } catch {
    return false;
  }
}

function readBalance(text: string): number | undefined {
  try {
    const body = JSON.parse(text) as { data?: { available_balance?: unknown } };
    const value = body.data?.available_balance;
    return typeof value === 'number' ? value : undefined;
  } catch {
    return undefined;
  }
}

function hostOf(url: string): string {
  try {
    const u = new URL(url);
    return u.pathname === '/' || u.pathname === '/v1' ? u.host : `${u.host}${u.pathname}`;
  } catch {
    return url;
  }
}
