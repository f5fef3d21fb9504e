import type { IncomingMessage, ServerResponse } from 'node:http';
import { RATE_LIMIT_HEADERS } from '../upstream/rate-limit-headers.js';
import { GatewayError } from './gateway-error.js';

/**
 * Cross-origin access for web apps that hold a gateway key (`server.cors_origins`). Browsers ask
 * first (a preflight `OPTIONS`), since the calls carry an Authorization header; the answer names
 * the one origin that asked, never `*`, and varies by Origin so caches keep answers apart.
 * Cookies play no part (the key travels in a header), so credentials are never allowed.
 * The operator's routes (`/admin/…`) and the dashboard are left out: they are served same-origin.
 */
export class CorsPolicy {
  private readonly any: boolean;
  private readonly exact: Set<string>;
  /** `https://*.example.com` as scheme `https://` and suffix `.example.com` (with its port, if any). */
  private readonly subdomains: { scheme: string; suffix: string }[] = [];

  /** `origins` as config/cors-origin.ts writes them. */
  constructor(origins: readonly string[]) {
    this.any = origins.includes('*');
    this.exact = new Set(origins.filter((o) => o !== '*' && !o.includes('://*.')));
    for (const o of origins) {
      const wild = /^(https?:\/\/)\*(\..+)$/.exec(o);
      if (wild) this.subdomains.push({ scheme: wild[1]!, suffix: wild[2]! });
    }
  }

  get enabled(): boolean {
    return this.any || this.exact.size > 0 || this.subdomains.length > 0;
  }

  allows(origin: string): boolean {
    if (this.any || this.exact.has(origin)) return true;
    return this.subdomains.some(({ scheme, suffix }) => origin.startsWith(scheme) && origin.endsWith(suffix) && isHostLabels(origin.slice(scheme.length, -suffix.length)));
  }
}

/** Request headers a preflight may list and get back; anything longer is not a browser's. */
const MAX_REQUESTED_HEADERS = 2048;

const EXPOSED_HEADERS = [
  'x-moongate-request-id',
  'x-moongate-provider',
  'x-moongate-model',
  'x-moongate-credential',
  'x-moongate-attempts',
  'x-moongate-adjusted',
  'x-request-id',
  'server-timing',
  'retry-after',
  'retry-after-ms',
  ...RATE_LIMIT_HEADERS,
].join(', ');

/**
 * Sets the CORS headers for a request from an allowed web page, and answers its preflight.
 * Returns true when the request was a preflight and has been answered. Requests without an
 * Origin (SDKs, curl) and same-origin ones pass untouched.
 */
export function applyCors(req: IncomingMessage, res: ServerResponse, path: string, policy: CorsPolicy): boolean {
  if (!policy.enabled || isSameOriginOnly(path)) return false;
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
  if (!policy.allows(origin)) {
    if (!preflight) return false; // the browser withholds the answer from the page
    throw new GatewayError(403, `Origin ${origin} is not allowed to call this gateway from a web page; add it to server.cors_origins.`, {
      type: 'permission_error',
      code: 'origin_not_allowed',
      headers: { vary: 'Origin' },
    });
  }
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('vary', 'Origin');
  if (!preflight) {
    res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
    return false;
  }
  const requested = req.headers['access-control-request-headers'];
  const headers: Record<string, string> = {
    'access-control-allow-methods': 'GET, HEAD, POST, OPTIONS',
    'access-control-max-age': '600',
    vary: 'Origin, Access-Control-Request-Headers',
    'content-length': '0',
  };
  // Chromium's Private Network Access: a public page calling a gateway on a private address asks
  // first. The operator listed the origin, so the answer is yes.
  if (req.headers['access-control-request-private-network'] === 'true') headers['access-control-allow-private-network'] = 'true';
  if (requested !== undefined && requested.length <= MAX_REQUESTED_HEADERS && /^[\w\-, \t]*$/.test(requested)) {
    headers['access-control-allow-headers'] = requested;
  }
  res.writeHead(204, headers).end();
  return true;
}

/** The operator's routes and the dashboard, which only its own pages call. */
function isSameOriginOnly(path: string): boolean {
  return path === '/admin' || path.startsWith('/admin/') || path === '/ui' || path.startsWith('/ui/');
}

/** One or more DNS labels (`a`, `a.b`), as a subdomain wildcard matches. */
function isHostLabels(text: string): boolean {
  return /^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(text);
}
