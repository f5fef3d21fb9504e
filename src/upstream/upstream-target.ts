/** Where a credential's base URL points: the pool's origin, the path prefix and the host for messages. */
export interface UpstreamTarget {
  origin: string;
  pathPrefix: string;
  host: string;
}

// Base URLs come from configuration (a handful), but every call needs one split: parse each once.
const parsed = new Map<string, UpstreamTarget>();
const MAX_CACHED = 1_000;

export function upstreamTarget(baseUrl: string): UpstreamTarget {
  let target = parsed.get(baseUrl);
  if (!target) {
    const url = new URL(baseUrl);
    target = { origin: url.origin, pathPrefix: url.pathname.replace(/\/$/, ''), host: url.host };
    if (parsed.size >= MAX_CACHED) parsed.clear();
    parsed.set(baseUrl, target);
  }
  return target;
}
