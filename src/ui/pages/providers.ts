import { api, query, send } from '../api.js';
import { errorBox, h, mount, scrolling } from '../dom.js';
import { time } from '../format.js';
import type { CredentialHealth, CredentialView, LogRecord, Page, Readiness } from '../types.js';

const WINDOW_MS = 60 * 60 * 1000;

/** Each credential: health, in-flight against its limits, recent error rate, and a Test button. */
export function providersPage(root: HTMLElement): void {
  const body = h('div', { id: 'providers-body' }, h('p', { class: 'muted' }, 'Loading…'));
  const refresh = h('button', { id: 'providers-refresh', onclick: () => void load() }, 'Refresh');
  mount(root, h('div', { class: 'toolbar' }, h('h2', {}, 'Providers'), refresh), body);

  async function load(): Promise<void> {
    try {
      const [creds, ready, logs] = await Promise.all([
        api<Page<CredentialView>>('/admin/credentials'),
        // 503 (store down) still carries the credential health: read it either way.
        fetchReady(),
        // The error rate is a nicety: logs that cannot be read (the store is down, when this page
        // is most needed) must not take the credentials' health down with them.
        api<Page<LogRecord>>(`/v1/logs${query({ from: new Date(Date.now() - WINDOW_MS).toISOString(), limit: 1000, bodies: 'false' })}`).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))),
      ]);
      const health = new Map((ready.credentials ?? []).map((c) => [c.credential, c]));
      const rates = logs instanceof Error ? `The error rates could not be read: ${logs.message}` : 'Error rate over the last hour (up to 1,000 requests).';
      mount(
        body,
        h('p', { class: 'muted' }, `Queue waiting: ${ready.queue?.waiting ?? 0}. Checks: ${Object.entries(ready.checks ?? {}).map(([k, v]) => `${k} ${v}`).join(', ')}. ${rates}`),
        scrolling(table(creds.data, health, logs instanceof Error ? null : logs.data)),
      );
    } catch (err) {
      mount(body, errorBox(err));
    }
  }
  // No auto-refresh: it would wipe a Test result being read.
  void load();
}

async function fetchReady(): Promise<Readiness> {
  const res = await send('/health/ready');
  return (await res.json()) as Readiness;
}

function table(creds: CredentialView[], health: Map<string, CredentialHealth>, logs: LogRecord[] | null): HTMLElement {
  if (creds.length === 0) return h('p', { class: 'muted' }, 'No credentials configured.');
  const head = ['Credential', 'Key', 'Region', 'Health', 'In flight / limit', 'RPM / TPM limit', 'Errors (1 h)', 'Source', ''];
  return h(
    'table',
    {},
    h('thead', {}, h('tr', {}, head.map((t) => h('th', {}, t)))),
    h(
      'tbody',
      {},
      creds.map((c) => {
        const id = `${c.provider}/${c.name}`;
        const hl = health.get(id);
        const mine = (logs ?? []).filter((l) => l.provider === c.provider && l.credential === c.name);
        const failed = mine.filter((l) => l.status >= 400 || l.error_type).length;
        const result = h('div', { class: 'test-result' });
        return h(
          'tr',
          { 'data-credential': id },
          h('td', {}, id),
          h('td', {}, `…${c.key_last4}`),
          h('td', {}, c.region ?? '—'),
          h('td', {}, state(hl)),
          h('td', {}, `${hl?.in_flight ?? 0} / ${c.limits?.concurrency ?? '∞'}`),
          h('td', {}, `${c.limits?.rpm ?? '∞'} / ${c.limits?.tpm ?? '∞'}`),
          h('td', {}, mine.length ? `${failed}/${mine.length} (${((100 * failed) / mine.length).toFixed(0)}%)` : '—'),
          h('td', {}, c.source),
          h(
            'td',
            {},
            h(
              'button',
              {
                class: 'test',
                onclick: async (e: Event) => {
                  const button = e.currentTarget as HTMLButtonElement;
                  button.disabled = true;
                  mount(result, 'Testing…');
                  try {
                    const r = await api<{ ok: boolean; verdict: string; message: string }>(
                      `/admin/credentials/${encodeURIComponent(c.name)}/test${query({ provider: c.provider })}`,
                      { method: 'POST' },
                    );
                    mount(result, h('span', { class: `badge ${r.ok ? 'ok' : 'bad'}` }, r.verdict), ' ', r.message);
                  } catch (err) {
                    mount(result, errorBox(err));
                  } finally {
                    button.disabled = false;
                  }
                },
              },
              'Test',
            ),
            result,
          ),
        );
      }),
    ),
  );
}

function state(hl: CredentialHealth | undefined): HTMLElement {
  if (!hl) return h('span', { class: 'muted' }, 'unknown');
  const cls = hl.state === 'ok' ? 'ok' : hl.state === 'cooling_down' ? 'warn' : 'bad';
  // UTC, as every other time on these pages.
  const until = hl.until ? ` until ${time(new Date(hl.until).toISOString())} UTC` : '';
  const why = hl.reason ?? hl.deployments.find((d) => d.last_error)?.last_error;
  return h('div', {}, h('span', { class: `badge ${cls}` }, hl.state.replace('_', ' ')), until, why ? h('div', { class: 'muted small' }, why) : null);
}
