/**
 * How deeply JSON from outside (request bodies, the metadata header, ingested log records,
 * upstream answers) may nest. Nothing a chat request or answer needs comes close; past a few
 * thousand levels the recursive code a value later meets (structured clone to the store's
 * threads, `JSON.stringify` for the spool and the upstream, the log API) overflows the stack, and
 * one such value would stop every log record behind it.
 */
export const MAX_JSON_DEPTH = 128;

/**
 * True when `value` nests objects and arrays more than `max` levels deep (`{}` is one level).
 * Visits containers only down to that depth, so it cannot overflow itself; a plain chat request
 * costs well under a microsecond.
 */
export function nestedDeeperThan(value: unknown, max: number = MAX_JSON_DEPTH): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (max <= 0) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (nestedDeeperThan(item, max - 1)) return true;
    return false;
  }
  for (const key in value) {
    if (nestedDeeperThan((value as Record<string, unknown>)[key], max - 1)) return true;
  }
  return false;
}
