/**
 * Checks of single values shared by the file and environment loaders. Each returns a problem
 * message, or undefined when the value is fine. None echo the value (it may hold a password).
 */

/** `https://api.moonshot.ai/v1/` → `https://api.moonshot.ai/v1`. */
export function normalizeBaseUrl(url: string): string {
  return url.trim().replace(/\/+$/, '');
}

export function checkHttpUrl(url: string): string | undefined {
  if (url.trim() === '') return 'must not be empty';
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return 'must be an http:// or https:// URL (could not parse it)';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return `must be an http:// or https:// URL (got scheme ${JSON.stringify(parsed.protocol.replace(/:$/, ''))})`;
  }
  if (parsed.search || parsed.hash) return 'must not have a query string or fragment';
  return undefined;
}

export function checkStore(store: string): string | undefined {
  if (/^sqlite:.+/.test(store)) return undefined;
  // Refused here rather than at start-up, so that `moongate check` says it too.
  if (/^postgres(ql)?:\/\/./.test(store)) return 'PostgreSQL is not supported by this version yet; use "sqlite:PATH" (e.g. sqlite:./.moongate/moongate.db)';
  return 'must be "sqlite:PATH" (e.g. sqlite:./.moongate/moongate.db)';
}

/**
 * HTTP drops whitespace around a header value, so a master key with whitespace at either end could
 * never match what a client sends: every request would be refused.
 */
export function checkMasterKey(key: string): string | undefined {
  if (key.trim() !== key) {
    return 'has leading or trailing whitespace, which HTTP strips from the Authorization header, so no client could ever send it; remove it';
  }
  return undefined;
}

/**
 * What ioredis would fail on later, where it says only "Invalid URL" at start or, for a database
 * that is no number, sends SELECT NaN once connected and ends the process with its error.
 */
export function checkRedis(url: string): string | undefined {
  if (!/^rediss?:\/\/./.test(url)) return 'must be a redis:// or rediss:// URL';
  let parsed: URL;
  try {
    parsed = new URL(url);
    decodeURIComponent(parsed.username);
    decodeURIComponent(parsed.password);
  } catch {
    return 'is not a valid URL (check the host and port; a password with @, :, / or # in it must be percent-encoded, e.g. %40 for @)';
  }
  const db = parsed.pathname === '' || parsed.pathname === '/' ? parsed.searchParams.get('db') : parsed.pathname.slice(1);
  if (db !== null && !/^\d+$/.test(db)) {
    return `must end with a database number after the host (e.g. redis://host:6379/1), got ${JSON.stringify(parsed.pathname.length > 1 ? parsed.pathname : `?db=${db}`)}`;
  }
  return undefined;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Provider and credential names appear in model ids, URLs and headers. */
export function checkName(name: string, what: string): string | undefined {
  if (name === '') return `${what} must not be empty`;
  if (!NAME.test(name)) {
    return `${what} ${JSON.stringify(name)} may contain only letters, digits, ".", "_" and "-", and must start with a letter or digit`;
  }
  return undefined;
}
