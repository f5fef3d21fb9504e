import { api, query } from '../api.js';
import { errorBox, field, h, mount, scrolling } from '../dom.js';
import { int, ms, time, usd } from '../format.js';
import { keyNames } from '../key-names.js';
import { FILTERS, filterTime, previousOf, readState, rememberPrevious, stateHash } from '../logs-state.js';
import type { LogsState } from '../logs-state.js';
import type { LogRecord, Page } from '../types.js';

const HINTS: Record<string, string> = { model: 'kimi-k2.6', provider: 'moonshot', key_id: 'key_…', customer: 'acme', status: 'success | error | 429', from: 'ISO time, UTC', to: 'ISO time, UTC' };
const PAGE_SIZE = 50;
const TAIL_MS = 2000;
/**
 * The filters last applied: the Logs link of the menu (`#/logs`, no filters in it) opens the list
 * under them. Memory only: a sign-out reloads the tab, so another key never sees them.
 */
let remembered: LogsState['filters'] = {};
/** Where the record page's "← Logs" goes back to: the list as it was, page included. */
let lastList = '#/logs';
export function logsListHash(): string {
  return lastList;
}

/**
 * Filterable, paged table of log records, newest first, with live tail by polling. Its filters and
 * page are in the address (see logs-state.ts); moving within the list pushes a history entry
 * without re-rendering the page, and back/forward render it again from the address.
 */
export function logsPage(root: HTMLElement): () => void {
  let state = readState(location.hash);
  if (!location.hash.includes('?') && Object.keys(remembered).length > 0) {
    state = { filters: { ...remembered }, cursor: null, page: 1 };
    history.replaceState(null, '', stateHash(state));
  }
  const inputs = Object.fromEntries(FILTERS.map((f) => [f, h('input', { id: `logs-filter-${f}`, placeholder: HINTS[f], value: state.filters[f] ?? '' })]));
  const tail = h('input', { type: 'checkbox', id: 'logs-tail' });
  const table = h('div', { id: 'logs-table' });
  const prev = h('button', { id: 'logs-prev', disabled: true }, '← Newer');
  const next = h('button', { id: 'logs-next', disabled: true }, 'Older →');
  const info = h('span', { class: 'muted' });
  let nextCursor: string | null = null;
  let timer: number | undefined;

  /** Shows `to` (a new filter or page): a new history entry, and the table loaded for it. */
  const go = (to: LogsState): void => {
    state = to;
    const hash = stateHash(state);
    if (hash !== location.hash) history.pushState(null, '', hash);
    void load();
  };

  const form = h(
    'form',
    {
      class: 'filters',
      id: 'logs-filters',
      onsubmit: (e: Event) => {
        e.preventDefault();
        const filters: LogsState['filters'] = {};
        for (const f of FILTERS) {
          const value = f === 'from' || f === 'to' ? filterTime(inputs[f]!.value) : inputs[f]!.value.trim();
          if (value) filters[f] = value;
        }
        go({ filters, cursor: null, page: 1 });
      },
    },
    FILTERS.map((f) => field(f, inputs[f]!)),
    h('button', { type: 'submit', id: 'logs-apply' }, 'Apply'),
    h('label', { class: 'inline' }, tail, ' Live tail'),
  );
  mount(root, h('h2', {}, 'Logs'), form, table, h('div', { class: 'pager' }, prev, next, info));

  // Only the latest load is drawn: a slow answer (an earlier filter, a live-tail tick) coming back
  // after a newer one would otherwise replace it, under the filters and page shown now.
  let latest = 0;
  let loading = false;
  /** `quiet`: a live-tail tick, which refreshes what is shown rather than show something new. */
  async function load(quiet = false): Promise<void> {
    const mine = ++latest;
    loading = true;
    if (!quiet) {
      // Until the answer comes the rows shown are the previous filter's or page's: said so, not
      // passed off as the new ones (a slow store takes seconds).
      if (table.childElementCount === 0) mount(table, h('p', { class: 'muted' }, 'Loading…'));
      table.setAttribute('aria-busy', 'true');
      info.textContent = 'Loading…';
    }
    remembered = { ...state.filters };
    lastList = stateHash(state);
    const previous = state.cursor === null ? null : previousOf(state.cursor);
    prev.disabled = state.cursor === null;
    // From a shared link the page before is not known: the button then goes to the newest.
    prev.textContent = previous === undefined ? '⇤ Newest' : '← Newer';
    const params: Record<string, string | number | null> = { limit: PAGE_SIZE, bodies: 'false', cursor: state.cursor, ...state.filters };
    try {
      const page = await api<Page<LogRecord>>(`/v1/logs${query(params)}`);
      const names = await keyNames(page.data.map((r) => r.key_id));
      if (mine !== latest) return;
      nextCursor = page.next_cursor ?? null;
      mount(table, scrolling(renderTable(page.data, names)));
      next.disabled = nextCursor === null;
      info.textContent = `Page ${state.page} · ${page.data.length} records · updated ${new Date().toISOString().slice(11, 19)} UTC`;
    } catch (err) {
      if (mine === latest) {
        mount(table, errorBox(err));
        info.textContent = '';
      }
    } finally {
      if (mine === latest) {
        loading = false;
        table.setAttribute('aria-busy', 'false');
      }
    }
  }
  // A tick while the last load is still out is skipped: with answers slower than the tick, every
  // answer would be replaced by the next before it came, and nothing (not even an error) shown.
  // Nor while the tab is hidden: a dashboard left open in a background tab would read the store
  // every two seconds for nobody. Coming back shows the latest at once.
  const tick = (): void => {
    if (!loading && !document.hidden) void load(true);
  };
  const onVisible = (): void => {
    if (tail.checked && !document.hidden) tick();
  };
  document.addEventListener('visibilitychange', onVisible);
  next.addEventListener('click', () => {
    if (nextCursor === null) return;
    rememberPrevious(nextCursor, state.cursor);
    go({ filters: state.filters, cursor: nextCursor, page: state.page + 1 });
  });
  prev.addEventListener('click', () => {
    const previous = state.cursor === null ? null : (previousOf(state.cursor) ?? null);
    go({ filters: state.filters, cursor: previous, page: previous === null ? 1 : state.page - 1 });
  });
  tail.addEventListener('change', () => {
    window.clearInterval(timer);
    if (!tail.checked) return;
    // Tailing shows the newest records, so it goes back to the first page.
    go({ filters: state.filters, cursor: null, page: 1 });
    timer = window.setInterval(tick, TAIL_MS);
  });
  void load();
  return () => {
    window.clearInterval(timer);
    document.removeEventListener('visibilitychange', onVisible);
  };
}

function renderTable(rows: LogRecord[], names: Map<string, string>): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'muted' }, 'No records match.');
  const head = ['Time (UTC)', 'Status', 'Model', 'Provider', 'Key', 'Customer', 'Tokens', 'Cost', 'Latency', 'TTFT'];
  return h(
    'table',
    { class: 'clickable' },
    h('thead', {}, h('tr', {}, head.map((t) => h('th', {}, t)))),
    h(
      'tbody',
      {},
      rows.map((r) =>
        h(
          'tr',
          { 'data-id': r.id, onclick: (e: Event) => openRow(e as MouseEvent, r.id) },
          h('td', {}, h('a', { href: `#/logs/${encodeURIComponent(r.id)}` }, time(r.created_at))),
          h('td', { class: 'wrap' }, h('span', { class: r.status >= 400 || r.error_type ? 'badge bad' : 'badge ok' }, r.status, r.error_type && r.status < 400 ? ` ${r.error_type}` : '')),
          h('td', { class: 'wrap' }, r.model ?? r.model_requested ?? '—'),
          h('td', { class: 'wrap' }, r.provider ?? '—'),
          // The key's name over its id (the id is what the key_id filter takes).
          h('td', { class: 'wrap' }, r.key_id && names.has(r.key_id) ? [h('div', {}, names.get(r.key_id)!), h('div', { class: 'muted small' }, r.key_id)] : (r.key_id ?? '—')),
          h('td', { class: 'wrap' }, r.customer_identifier ?? '—'),
          h('td', {}, `${int(r.prompt_tokens)} → ${int(r.completion_tokens)}`),
          // Null is an unknown cost (no price, no usage), which a bare "—" did not say.
          h('td', {}, r.cost_usd === null ? 'unpriced' : usd(r.cost_usd)),
          h('td', {}, ms(r.latency_ms)),
          h('td', {}, ms(r.ttft_ms)),
        ),
      ),
    ),
  );
}

/**
 * A click anywhere on a row opens its record, except: a click on the link itself (the browser
 * follows it, or opens a new tab for Ctrl/⌘/Shift/middle click, which must leave this tab on the
 * list), a click with a modifier, and the end of a drag that selected text (copying an id).
 */
function openRow(e: MouseEvent, id: string): void {
  if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
  if ((e.target as Element).closest('a')) return;
  if (String(getSelection() ?? '') !== '') return;
  location.hash = `#/logs/${encodeURIComponent(id)}`;
}
