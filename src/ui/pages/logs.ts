import { api, query } from '../api.js';
import { errorBox, field, h, mount } from '../dom.js';
import { int, ms, time, usd } from '../format.js';
import type { LogRecord, Page } from '../types.js';

const FILTERS = ['model', 'provider', 'key_id', 'customer', 'status', 'from', 'to'] as const;
const HINTS: Record<string, string> = { model: 'kimi-k2.6', provider: 'moonshot', key_id: 'key_…', customer: 'acme', status: 'success | error | 429', from: 'ISO time, UTC', to: 'ISO time, UTC' };
const PAGE_SIZE = 50;
const TAIL_MS = 2000;
/** Filters survive going to a record and back. */
const remembered: Record<string, string> = {};

/** Filterable, paged table of log records, newest first, with live tail by polling. */
export function logsPage(root: HTMLElement): () => void {
  const inputs = Object.fromEntries(FILTERS.map((f) => [f, h('input', { id: `logs-filter-${f}`, placeholder: HINTS[f], value: remembered[f] ?? '' })]));
  const tail = h('input', { type: 'checkbox', id: 'logs-tail' });
  const table = h('div', { id: 'logs-table' });
  const prev = h('button', { id: 'logs-prev', disabled: true }, '← Newer');
  const next = h('button', { id: 'logs-next', disabled: true }, 'Older →');
  const info = h('span', { class: 'muted' });
  // Cursors of the pages before this one: paging back pops, paging on pushes.
  const cursors: (string | null)[] = [];
  let cursor: string | null = null;
  let nextCursor: string | null = null;
  let timer: number | undefined;

  const form = h(
    'form',
    {
      class: 'filters',
      id: 'logs-filters',
      onsubmit: (e: Event) => {
        e.preventDefault();
        for (const f of FILTERS) remembered[f] = inputs[f]!.value.trim();
        cursors.length = 0;
        cursor = null;
        void load();
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
  async function load(): Promise<void> {
    const mine = ++latest;
    loading = true;
    const params: Record<string, string | number | null> = { limit: PAGE_SIZE, bodies: 'false', cursor };
    for (const f of FILTERS) params[f] = inputs[f]!.value.trim();
    try {
      const page = await api<Page<LogRecord>>(`/v1/logs${query(params)}`);
      if (mine !== latest) return;
      nextCursor = page.next_cursor ?? null;
      mount(table, renderTable(page.data));
      next.disabled = nextCursor === null;
      prev.disabled = cursors.length === 0;
      info.textContent = `Page ${cursors.length + 1} · ${page.data.length} records · updated ${new Date().toLocaleTimeString()}`;
    } catch (err) {
      if (mine === latest) mount(table, errorBox(err));
    } finally {
      if (mine === latest) loading = false;
    }
  }
  // A tick while the last load is still out is skipped: with answers slower than the tick, every
  // answer would be replaced by the next before it came, and nothing (not even an error) shown.
  const tick = (): void => {
    if (!loading) void load();
  };
  next.addEventListener('click', () => {
    cursors.push(cursor);
    cursor = nextCursor;
    void load();
  });
  prev.addEventListener('click', () => {
    cursor = cursors.pop() ?? null;
    void load();
  });
  tail.addEventListener('change', () => {
    window.clearInterval(timer);
    if (!tail.checked) return;
    // Tailing shows the newest records, so it goes back to the first page.
    cursors.length = 0;
    cursor = null;
    void load();
    timer = window.setInterval(tick, TAIL_MS);
  });
  void load();
  return () => window.clearInterval(timer);
}

function renderTable(rows: LogRecord[]): HTMLElement {
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
          { 'data-id': r.id, onclick: () => (location.hash = `#/logs/${encodeURIComponent(r.id)}`) },
          h('td', {}, h('a', { href: `#/logs/${encodeURIComponent(r.id)}` }, time(r.created_at))),
          h('td', { class: 'wrap' }, h('span', { class: r.status >= 400 || r.error_type ? 'badge bad' : 'badge ok' }, r.status, r.error_type && r.status < 400 ? ` ${r.error_type}` : '')),
          h('td', { class: 'wrap' }, r.model ?? r.model_requested ?? '—'),
          h('td', { class: 'wrap' }, r.provider ?? '—'),
          h('td', { class: 'wrap' }, r.key_id ?? '—'),
          h('td', { class: 'wrap' }, r.customer_identifier ?? '—'),
          h('td', {}, `${int(r.prompt_tokens)} → ${int(r.completion_tokens)}`),
          h('td', {}, usd(r.cost_usd)),
          h('td', {}, ms(r.latency_ms)),
          h('td', {}, ms(r.ttft_ms)),
        ),
      ),
    ),
  );
}
