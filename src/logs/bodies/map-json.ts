/** Deeper than this a body is cut: a hostile body must not overflow the stack of the log writer. */
export const MAX_DEPTH = 64;
export const TOO_DEEP = '[nested too deep]';

/**
 * A copy of a JSON value with each string replaced by `fn(string, key, path-of-keys)`. The
 * input is never changed (it may still be referenced by the request that produced it).
 */
export function mapStrings(value: unknown, fn: (s: string, key: string | undefined, ancestors: readonly string[]) => string): unknown {
  const ancestors: string[] = [];
  const walk = (v: unknown, key: string | undefined, depth: number): unknown => {
    if (typeof v === 'string') return fn(v, key, ancestors);
    if (v === null || typeof v !== 'object') return v;
    if (depth >= MAX_DEPTH) return TOO_DEEP;
    if (key !== undefined) ancestors.push(key);
    try {
      if (Array.isArray(v)) return v.map((item) => walk(item, key, depth + 1));
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v as Record<string, unknown>)) out[k] = walk(item, k, depth + 1);
      return out;
    } finally {
      if (key !== undefined) ancestors.pop();
    }
  };
  return walk(value, undefined, 0);
}

/** Calls `fn` with every string in a JSON value. */
export function forEachString(value: unknown, fn: (s: string) => void, depth = 0): void {
  if (typeof value === 'string') return fn(value);
  if (value === null || typeof value !== 'object' || depth >= MAX_DEPTH) return;
  if (Array.isArray(value)) for (const item of value) forEachString(item, fn, depth + 1);
  else for (const item of Object.values(value as Record<string, unknown>)) forEachString(item, fn, depth + 1);
}

/**
 * True when `test` holds for some string in a JSON value, or when the value is nested deeper
 * than MAX_DEPTH (where `mapStrings` would cut it). Allocates nothing: it tells whether a copy
 * by `mapStrings` would change anything before paying for one.
 */
export function someString(value: unknown, test: (s: string) => boolean, depth = 0): boolean {
  if (typeof value === 'string') return test(value);
  if (value === null || typeof value !== 'object') return false;
  if (depth >= MAX_DEPTH) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (someString(item, test, depth + 1)) return true;
    return false;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) if (Object.hasOwn(record, key) && someString(record[key], test, depth + 1)) return true;
  return false;
}
