import { api } from '../api.js';
import { errorBox, field, h, mount, scrolling } from '../dom.js';
import { time, usd } from '../format.js';
import type { KeyView, Page } from '../types.js';

/** Gateway keys: create (the key is shown once), list with spend against budget, revoke. */
export function keysPage(root: HTMLElement): void {
  const name = h('input', { id: 'key-name', required: true, placeholder: 'team-search' });
  const budget = h('input', { id: 'key-budget', type: 'number', min: '0', step: 'any', placeholder: 'none' });
  const period = h('select', { id: 'key-period' }, ['month', 'day', 'total'].map((p) => h('option', { value: p }, p)));
  const models = h('input', { id: 'key-models', placeholder: 'all (or kimi-*, moonshot/kimi-k2.6)' });
  const rpm = h('input', { id: 'key-rpm', type: 'number', min: '1', placeholder: 'none' });
  const customer = h('input', { id: 'key-customer', placeholder: 'none' });
  const created = h('div', { id: 'key-created' });
  const list = h('div', { id: 'keys-list' }, h('p', { class: 'muted' }, 'Loading…'));

  const form = h(
    'form',
    {
      class: 'card filters',
      id: 'key-form',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const body: Record<string, unknown> = { name: name.value.trim(), budget_period: period.value };
        if (budget.value) body.budget_usd = Number(budget.value);
        if (rpm.value) body.rpm = Number(rpm.value);
        if (customer.value.trim()) body.customer_identifier = customer.value.trim();
        const globs = models.value.split(',').map((s) => s.trim()).filter(Boolean);
        if (globs.length) body.models = globs;
        try {
          const key = await api<KeyView>('/admin/keys', { body });
          mount(created, shownOnce(key));
          form.reset();
          await load();
        } catch (err) {
          mount(created, errorBox(err));
        }
      },
    },
    field('Name', name),
    field('Budget (USD)', budget),
    field('Per', period),
    field('Models', models),
    field('RPM', rpm),
    field('Customer', customer),
    h('button', { type: 'submit', id: 'key-create' }, 'Create key'),
  );
  mount(root, h('h2', {}, 'Keys'), form, created, list);

  async function load(): Promise<void> {
    try {
      const keys = await api<Page<KeyView>>('/admin/keys');
      mount(list, scrolling(table(keys.data, load)));
    } catch (err) {
      mount(list, errorBox(err));
    }
  }
  void load();
}

/** The only time the key is visible: the gateway keeps just its hash. */
function shownOnce(key: KeyView): HTMLElement {
  const value = h('input', { id: 'key-value', readonly: true, value: key.key ?? '', size: 60 });
  const copy = h('button', { id: 'key-copy', type: 'button' }, 'Copy');
  copy.addEventListener('click', async () => {
    value.select();
    try {
      await navigator.clipboard.writeText(value.value);
    } catch {
      // Clipboard API needs a secure context (https or localhost); the selected text can still be copied.
      document.execCommand('copy');
    }
    copy.textContent = 'Copied';
  });
  return h('div', { class: 'card notice' }, h('strong', {}, `Key “${key.name}” created. `), 'Copy it now: it will not be shown again.', h('div', { class: 'row' }, value, copy));
}

function table(keys: KeyView[], reload: () => Promise<void>): HTMLElement {
  if (keys.length === 0) return h('p', { class: 'muted' }, 'No gateway keys yet.');
  const head = ['Name', 'Id', 'Key', 'Status', 'Spend vs budget', 'Total spend', 'Models', 'Created (UTC)', ''];
  return h(
    'table',
    {},
    h('thead', {}, h('tr', {}, head.map((t) => h('th', {}, t)))),
    h(
      'tbody',
      {},
      keys.map((k) =>
        h(
          'tr',
          { 'data-key-id': k.id, 'data-key-name': k.name },
          h('td', { class: 'wrap' }, k.name),
          h('td', {}, h('code', {}, k.id)),
          h('td', {}, `mg-…${k.key_last4}`),
          h('td', {}, h('span', { class: `badge ${k.status === 'active' ? 'ok' : 'bad'}`, 'data-status': k.status }, k.status)),
          h('td', {}, spend(k)),
          h('td', {}, usd(k.spend_total_usd)),
          h('td', { class: 'wrap' }, k.models?.join(', ') ?? 'all'),
          h('td', {}, time(k.created_at)),
          h(
            'td',
            {},
            k.status === 'revoked'
              ? ''
              : h(
                  'button',
                  {
                    class: 'danger revoke',
                    onclick: async (e: Event) => {
                      if (!confirm(`Revoke “${k.name}”? Requests with it fail at once.`)) return;
                      const cell = (e.currentTarget as HTMLElement).parentElement!;
                      try {
                        await api(`/admin/keys/${encodeURIComponent(k.id)}`, { method: 'DELETE' });
                      } catch (err) {
                        // Said next to the button: a revocation that did not happen must not look done.
                        cell.append(errorBox(err));
                        return;
                      }
                      await reload();
                    },
                  },
                  'Revoke',
                ),
          ),
        ),
      ),
    ),
  );
}

function spend(k: KeyView): HTMLElement {
  if (k.budget_usd === null) return h('span', {}, `${usd(k.spend_usd)} (no budget)`);
  const pct = Math.min(100, (100 * k.spend_usd) / k.budget_usd);
  return h(
    'div',
    { class: 'budget', title: `${pct.toFixed(1)}% of the ${k.budget_period} budget` },
    h('div', { class: 'bar' }, h('div', { class: pct >= 90 ? 'fill hot' : 'fill', style: `width:${pct}%` })),
    `${usd(k.spend_usd)} / ${usd(k.budget_usd)} per ${k.budget_period}`,
  );
}
