import type { IncomingMessage } from 'node:http';
import { hash, timingSafeEqual } from 'node:crypto';
import type { VirtualKeys } from '../keys/virtual-keys.js';
import type { VirtualKey } from '../keys/virtual-key.js';
import { looksLikeKey } from '../keys/virtual-key.js';
import { GatewayError } from './gateway-error.js';

/** Who is calling: anyone (open local mode), the operator (master key), or a holder of a gateway key. */
export type Caller = { kind: 'open'; token: string | undefined; local: boolean } | { kind: 'master' } | { kind: 'key'; key: VirtualKey };

/**
 * The key in `Authorization: Bearer <key>`. Any run of spaces or tabs may separate the two (a
 * second space made the master key "invalid", and in open mode went upstream as part of a
 * provider key). Two different Authorization headers are refused: Node keeps the first, and a
 * proxy in front that checked the last would have passed a request under another key.
 */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return undefined;
  if (hasAnotherAuthorization(req.rawHeaders, header)) {
    throw new GatewayError(400, 'The request has more than one Authorization header, with different values; send one.', {
      type: 'invalid_request_error',
      code: 'invalid_authorization',
    });
  }
  const match = /^Bearer[ \t]+(\S.*)$/i.exec(header);
  return match ? match[1] : undefined;
}

/**
 * An Authorization header other than `first` among the raw headers (name, value, name, value…).
 * Read there rather than through `req.headersDistinct`, which builds every header's array on each
 * request for the sake of this one.
 */
function hasAnotherAuthorization(raw: string[], first: string): boolean {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 13 && raw[i + 1] !== first && name.toLowerCase() === 'authorization') return true;
  }
  return false;
}

/**
 * With a master key set, every API route needs the master key or a gateway key (`mg-…`); without
 * one the gateway runs in open local mode (announced at start-up), where a gateway key is still
 * honoured (its limits apply) and any other token may be a provider key to pass through.
 */
export async function authenticate(req: IncomingMessage, masterKey: string | undefined, keys: VirtualKeys): Promise<Caller> {
  const token = bearerToken(req);
  if (masterKey === undefined) {
    refuseOtherSites(req);
    if (token?.startsWith('mg-')) return { kind: 'key', key: await keys.authenticate(token) };
    return { kind: 'open', token, local: isLoopbackAddress(req.socket.remoteAddress) && isLoopbackHost(req.headers.host) };
  }
  if (token === undefined) {
    throw new GatewayError(401, 'Missing gateway key: send `Authorization: Bearer <key>`.', { type: 'authentication_error', code: 'missing_api_key' });
  }
  // A token shaped like a gateway key cannot be a master key of another shape: no digest to
  // compare then (one SHA-256 on every keyed request). Its time tells a caller only that the
  // master key is not shaped like a gateway key.
  if (looksLikeKey(token) && !masterKeyFacts(masterKey).keyShaped) return { kind: 'key', key: await keys.authenticate(token) };
  if (safeEqual(token, masterKey)) return { kind: 'master' };
  if (token.startsWith('mg-')) return { kind: 'key', key: await keys.authenticate(token) };
  throw new GatewayError(401, 'Invalid gateway key.', { type: 'authentication_error', code: 'invalid_api_key' });
}

/** The operator: the holder of the master key; in open mode, anyone on this machine. */
export function isOperator(caller: Caller): boolean {
  return caller.kind === 'master' || (caller.kind === 'open' && caller.local);
}

/** Admin routes: the operator only (see isOperator). */
export function requireAdmin(caller: Caller): void {
  if (isOperator(caller)) return;
  const why = caller.kind === 'open' ? 'In open local mode it is served to this machine only, addressed as localhost or 127.0.0.1; set master_key to manage the gateway remotely.' : '';
  throw new GatewayError(403, `This route needs the master key. ${why}`.trim(), { type: 'permission_error', code: 'admin_only' });
}

/** An address of this machine: 127/8, ::1, or 127/8 mapped into IPv6 (a dual-stack socket's view). */
export function isLoopbackAddress(address: string | undefined): boolean {
  return address !== undefined && (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.'));
}

/**
 * Open mode needs no key, so a web page the operator visits could use the gateway through their
 * browser: post to it (a `text/plain` POST goes cross-site without asking), or point its own
 * host name at 127.0.0.1 (DNS rebinding) and read the logs. Browsers say where a request comes
 * from: a page whose origin is not an IP address or localhost is refused. Other clients (SDKs,
 * curl) send no `Origin`. With a master key none of this applies: a page cannot send the key.
 */
function refuseOtherSites(req: IncomingMessage): void {
  const origin = req.headers.origin;
  if (origin === undefined) return;
  const from = originHostAndPort(origin);
  // This machine's own pages, or the gateway's own pages reached by an IP address (its dashboard
  // from another machine). Not a page merely served from some IP address: an attacker's can be.
  // Not the gateway's own origin under a host name either: a rebinding page's origin is just that.
  if (from !== undefined && (isLoopbackHost(from.host) || (from.hostAndPort === req.headers.host?.toLowerCase() && isAddressOrLocalhost(from.host)))) return;
  throw new GatewayError(
    403,
    `Refused a request from a web page at ${origin}: in open local mode (no master_key) Moongate answers only its own pages, reached at localhost or an IP address, so that other sites cannot use it through your browser. To serve web apps on other origins, set master_key and list them in server.cors_origins.`,
    { type: 'permission_error', code: 'cross_origin_refused' },
  );
}

/**
 * The operator's routes in open mode also need a request addressed to this machine by a loopback
 * name: a rebinding page's requests carry its own host name, even when they reach 127.0.0.1.
 * A request with no Host (HTTP/1.0) cannot come from a browser.
 */
export function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined) return true;
  const name = hostName(host);
  return name === 'localhost' || name.endsWith('.localhost') || name === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

/** An IP literal or a localhost name: what a DNS-rebinding page cannot be served from. */
export function isAddressOrLocalhost(name: string | undefined): boolean {
  if (name === undefined) return false;
  return name === 'localhost' || name.endsWith('.localhost') || /^\d{1,3}(\.\d{1,3}){3}$/.test(name) || /^\[[0-9a-f:.]+\]$/.test(name);
}

/** An origin's host name (IPv6 in brackets) and its `host:port` as a Host header would say it. */
function originHostAndPort(origin: string): { host: string; hostAndPort: string } | undefined {
  try {
    const url = new URL(origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    return { host: url.hostname.toLowerCase(), hostAndPort: url.host.toLowerCase() };
  } catch {
    return undefined; // "null" (a sandboxed frame, a file) or garbage
  }
}

function hostName(host: string): string {
  const lower = host.trim().toLowerCase();
  if (lower.startsWith('[')) return lower.slice(0, lower.indexOf(']') + 1);
  const colon = lower.lastIndexOf(':');
  return colon === -1 ? lower : lower.slice(0, colon);
}

/** Kept for modules that only need to know the master key was given. */
export function requireMasterKey(req: IncomingMessage, masterKey: string | undefined): void {
  if (masterKey === undefined) return;
  const token = bearerToken(req);
  if (token === undefined) {
    throw new GatewayError(401, 'Missing gateway key: send `Authorization: Bearer <key>`.', { type: 'authentication_error', code: 'missing_api_key' });
  }
  if (!safeEqual(token, masterKey)) {
    throw new GatewayError(401, 'Invalid gateway key.', { type: 'authentication_error', code: 'invalid_api_key' });
  }
}

/**
 * Compares digests, not the strings: comparing the strings themselves returns early when their
 * lengths differ, which tells a caller timing its guesses how long the master key is.
 */
function safeEqual(token: string, masterKey: string): boolean {
  return timingSafeEqual(digest(token), masterKeyFacts(masterKey).digest);
}

/** What the checks read of the master key, worked out once per key: its digest and whether it has a gateway key's shape. */
let masterFacts: { key: string; digest: Buffer; keyShaped: boolean } | undefined;

function masterKeyFacts(key: string): { digest: Buffer; keyShaped: boolean } {
  if (masterFacts?.key !== key) masterFacts = { key, digest: digest(key), keyShaped: looksLikeKey(key) };
  return masterFacts;
}

/**
 * One-shot `hash`, not a `Hash` object, on every request with a key. In hex, then decoded: Node
 * 20's `hash` is slower asked for a Buffer: with the decoding and the compare, 0.66–0.70 against
 * 1.20–1.54 µs here.
 */
function digest(text: string): Buffer {
  return Buffer.from(hash('sha256', text, 'hex'), 'hex');
}
