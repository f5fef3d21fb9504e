import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError, defaultTypeForStatus } from '../../server/gateway-error.js';
import { findModel } from '../../catalogue/catalogue.js';
import type { UpstreamCredential } from '../types.js';
import type { MoonshotRegion } from '../../config/types.js';

const RETRY_AFTER = /try again after (\d+(?:\.\d+)?) ?s(?:econds?)?/i;
/** Moonshot's wording for a prompt plus completion limit over the model's window (docs/moonshot.md, Errors). */
const TOKEN_LIMIT = /exceeded model token limit/i;

export interface RegionHosts {
  global: string;
  cn: string;
}

/**
 * Moonshot errors keep their status and type; the message says they came from Moonshot.
 * Some are made more useful: a 401 names its likely causes (Moonshot answers the same for a revoked
 * key, a key pasted with whitespace and a key of the other platform), a 429's
 * "try again after N seconds" becomes a `retry-after` header, and an empty balance is marked as
 * not worth retrying.
 */
export function mapMoonshotError(
  providerName: string,
  status: number,
  rawBody: string,
  headers: IncomingHttpHeaders,
  credential: UpstreamCredential,
  regions: RegionHosts,
): GatewayError {
  const parsed = parseErrorBody(rawBody);
  const type = parsed.type ?? defaultTypeForStatus(status);
  let message = parsed.message ?? (rawBody.trim() === '' ? `HTTP ${status} with an empty body` : `HTTP ${status}: ${preview(rawBody)}`);
  const extraHeaders: Record<string, string> = {};

  let code = parsed.code ?? null;
  let param = parsed.param ?? null;
  if (status === 401) message = `${message}. ${explainAuthFailure(credential, regions, providerName)}`;
  if (status === 404 && parsed.message?.startsWith('Not found the model')) {
    code ??= 'model_not_found';
    param ??= 'model';
    message = `${message}. ${retirementNote(parsed.message)}List the models this gateway serves with GET /v1/models.`;
  }
  // The code OpenAI clients (and the gateway's own context-window guard) use for this, so a client
  // that trims its history on context_length_exceeded does so whoever noticed first.
  if (status === 400 && parsed.message !== undefined && TOKEN_LIMIT.test(parsed.message)) {
    code ??= 'context_length_exceeded';
    param ??= 'messages';
  }

  // An empty balance: OpenAI's code for it (clients test it to tell "top up" from "slow down"),
  // and `x-should-retry: false`, which the OpenAI SDKs obey: waiting does not refill an account,
  // and each retry counts against the key's RPM.
  if (parsed.type === 'exceeded_current_quota_error') {
    code ??= 'insufficient_quota';
    extraHeaders['x-should-retry'] = 'false';
  }

  if (status === 429) {
    const fromHeader = headerValue(headers['retry-after']);
    const fromMessage = parsed.message?.match(RETRY_AFTER)?.[1];
    const seconds = fromHeader ?? (fromMessage !== undefined ? String(Math.ceil(Number(fromMessage))) : undefined);
    if (seconds !== undefined) extraHeaders['retry-after'] = seconds;
  }

  return new GatewayError(status, `${providerName}: ${message}`, { type, code, param, headers: extraHeaders });
}

/**
 * Moonshot answers a retired model id exactly as an unknown one ("Not found the model {id} or
 * Permission denied"); when the catalogue knows the id was retired, say so, or the caller is left
 * checking their key's permissions.
 */
function retirementNote(moonshotMessage: string): string {
  const id = /^Not found the model (\S+) or Permission denied/.exec(moonshotMessage)?.[1];
  const retiredOn = id === undefined ? undefined : findModel('moonshot', id)?.retired_on;
  return retiredOn === undefined ? '' : `Moonshot retired ${id} on ${retiredOn} (as reported): use a current model. `;
}

/**
 * Names the likely causes of a 401, most specific first. Never includes the key itself. A key the
 * caller brought is explained to the caller (what to change in their request); the gateway's own
 * to the operator (its credential's name, its config, `moongate check`).
 */
export function explainAuthFailure(credential: UpstreamCredential, regions: RegionHosts, providerName = 'moonshot'): string {
  // Hosts name the platforms; when both regions share a host (a proxy, the simulator) only the URLs tell them apart.
  const sameHost = hostOf(regions.global) === hostOf(regions.cn);
  const show = (url: string): string => (sameHost ? url : hostOf(url));
  const sentTo = show(credential.baseUrl);
  const brought = credential.brought;
  const theKey = brought === undefined ? `the key of credential "${credential.name}"` : brought === 'authorization' ? 'the key sent as `Authorization: Bearer …`' : `the key in \`${brought}\``;
  const reasons: string[] = [];
  if (/\s/.test(credential.apiKey)) reasons.push(`${theKey} contains whitespace (Moonshot does not trim keys): remove it`);
  if (!credential.apiKey.trim().startsWith('sk-')) {
    // Not a Moonshot key at all, most likely (a placeholder such as "local", a gateway key): which
    // platform it was sent to is beside the point.
    reasons.push('it does not look like a Moonshot API key (those start with `sk-`)');
  } else {
    const moveTo = (region: MoonshotRegion): string => howToMoveKey(credential, region, regions, providerName);
    if (sentTo === show(regions.global)) reasons.push(`it is a China-platform key: those work only on ${show(regions.cn)} (${moveTo('cn')})`);
    else if (sentTo === show(regions.cn)) reasons.push(`it is a global-platform key: those work only on ${show(regions.global)} (${moveTo('global')})`);
    else reasons.push(`it belongs to a Moonshot platform (${show(regions.global)} or ${show(regions.cn)}) other than ${sentTo}`);
  }
  reasons.push('the key was revoked or mistyped');
  const rejected = `${theKey.charAt(0).toUpperCase()}${theKey.slice(1)} was rejected by ${sentTo}. Likely causes: ${reasons.join('; or ')}.`;
  return brought === undefined ? `${rejected} Run \`moongate check moonshot\` to find out which.` : rejected;
}

/** What sends this key to `region`'s platform, said to whoever can change it. */
function howToMoveKey(credential: UpstreamCredential, region: MoonshotRegion, regions: RegionHosts, providerName: string): string {
  if (credential.brought === 'authorization') {
    return `send it in the body instead, as \`"customer_credentials": {"${providerName}": {"api_key": "…", "region": "${region}"}}\``;
  }
  if (credential.brought !== undefined) return `add \`"region": "${region}"\` beside its api_key`;
  // A credential's own base_url wins over its region (MOONSHOT_API_BASE is one): changing the
  // region, which may already say the right platform, changes nothing.
  if (credential.ownBaseUrl) {
    return `point its base_url at ${regions[region]}, which wins over its region${credential.name === 'default' ? ' (without a config file: MOONSHOT_API_BASE)' : ''}`;
  }
  return `set region: ${region}`;
}

function parseErrorBody(raw: string): { message?: string; type?: string; code?: string; param?: string } {
  try {
    const body = JSON.parse(raw) as { error?: unknown };
    const e = body && typeof body === 'object' ? body.error : undefined;
    if (e && typeof e === 'object') {
      const err = e as Record<string, unknown>;
      return {
        message: typeof err.message === 'string' ? err.message : undefined,
        type: typeof err.type === 'string' ? err.type : undefined,
        code: typeof err.code === 'string' ? err.code : undefined,
        param: typeof err.param === 'string' ? err.param : undefined,
      };
    }
    if (typeof e === 'string') return { message: e };
  } catch {
    // Not JSON: the caller reports the raw text.
  }
  return {};
}

function headerValue(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v !== undefined && v.trim() !== '' ? v.trim() : undefined;
}

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function preview(text: string): string {
  const t = text.trim();
  return t.length > 200 ? `${t.slice(0, 200)}…` : t;
}
