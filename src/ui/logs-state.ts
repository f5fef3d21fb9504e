/**
 * The logs list's state (filters, page) lives in the address, `#/logs?customer=acme&cursor=…&page=2`,
 * so that back, forward, reload and a shared link all show the same page of the same filter.
 */
export const FILTERS = ['model', 'provider', 'key_id', 'customer', 'status', 'from', 'to'] as const;
export type Filter = (typeof FILTERS)[number];

export interface LogsState {
  filters: Partial<Record<Filter, string>>;
  /** The `next_cursor` that led to this page; null on the first page. */
  cursor: string | null;
  /** 1-based, for the label only. */
  page: number;
}

/**
 * A from/to filter as the API takes it. The dashboard shows times as "2026-11-30 20:32:06.577"
 * (and "… UTC"), which the API refused (400: not ISO 8601): a time copied from the table into the
 * filter now works. Anything else is passed on as typed, for the API to judge.
 */
export function filterTime(value: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?:UTC|Z)?$/i.exec(value.trim());
  return m ? `${m[1]}T${m[2]}Z` : value.trim();
}

/** The state in a hash such as `#/logs?customer=acme`; anything after `?`. */
export function readState(hash: string): LogsState {
  const at = hash.indexOf('?');
  const q = new URLSearchParams(at < 0 ? '' : hash.slice(at + 1));
  const filters: LogsState['filters'] = {};
  for (const f of FILTERS) {
    const v = q.get(f)?.trim();
    if (v) filters[f] = v;
  }
  const cursor = q.get('cursor') || null;
  const page = Number(q.get('page'));
  return { filters, cursor, page: cursor && Number.isInteger(page) && page > 1 ? page : cursor ? 2 : 1 };
}

export function stateHash(state: LogsState): string {
  const q = new URLSearchParams();
  for (const f of FILTERS) if (state.filters[f]) q.set(f, state.filters[f]!);
  if (state.cursor) {
    q.set('cursor', state.cursor);
    q.set('page', String(state.page));
  }
  const s = q.toString();
  return s ? `#/logs?${s}` : '#/logs';
}

/**
 * The cursor of the page before each page seen in this tab, for "← Newer": a cursor only leads
 * on. Kept in sessionStorage so that it survives a reload; a page reached from a shared link has
 * none, and "← Newer" then goes to the newest page.
 */
const PREVIOUS = 'moongate.logs.previous';
const KEPT = 200;

export function rememberPrevious(cursor: string, previous: string | null): void {
  const map = previousMap();
  delete map[cursor];
  map[cursor] = previous;
  const keys = Object.keys(map);
  for (const k of keys.slice(0, Math.max(0, keys.length - KEPT))) delete map[k];
  sessionStorage.setItem(PREVIOUS, JSON.stringify(map));
}

/** The previous page's cursor (null: the first page), or undefined when not known. */
export function previousOf(cursor: string): string | null | undefined {
  return previousMap()[cursor];
}

function previousMap(): Record<string, string | null> {
  try {
    const v = JSON.parse(sessionStorage.getItem(PREVIOUS) ?? '{}') as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, string | null>) : {};
  } catch {
    return {};
  }
}
