import { api } from '../api.js';
import { errorBox, h, mount } from '../dom.js';
import { int, json, ms, time, usd } from '../format.js';
import type { ChatMessage, LogRecord } from '../types.js';
import { logsListHash } from './logs.js';

/** One record: who, where, what it cost and took, the path through providers, and the bodies. */
export async function logDetailPage(root: HTMLElement, id: string): Promise<void> {
  mount(root, h('p', { class: 'muted' }, 'Loading…'));
  let r: LogRecord;
  try {
    r = await api<LogRecord>(`/v1/logs/${encodeURIComponent(id)}`);
  } catch (err) {
    mount(root, h('a', { href: logsListHash() }, '← Logs'), errorBox(err));
    return;
  }
  const answer = r.response?.choices?.[0]?.message;
  mount(
    root,
    h('a', { href: logsListHash() }, '← Logs'),
    h('h2', {}, 'Request ', h('code', {}, r.id)),
    h(
      'div',
      { class: 'grid', id: 'log-detail' },
      facts('Request', {
        Time: time(r.created_at),
        Status: `${r.status}${r.error_type ? ` · ${r.error_type}` : ''}`,
        Model: `${r.model ?? '—'} (asked: ${r.model_requested ?? '—'})`,
        Provider: `${r.provider ?? '—'} / ${r.credential ?? '—'}`,
        Key: r.key_id ?? '—',
        Customer: r.customer_identifier ?? '—',
        Stream: r.stream ? 'yes' : 'no',
        Source: r.source,
        Adjusted: Array.isArray(r.adjustments) ? r.adjustments.join(', ') || '—' : (r.adjustments ?? '—'),
      }),
      facts('Tokens & cost', {
        Prompt: int(r.prompt_tokens),
        'Cached (of prompt)': int(r.cached_tokens),
        Completion: int(r.completion_tokens),
        'Reasoning (of completion)': int(r.reasoning_tokens),
        Cost: usd(r.cost_usd),
        ...Object.fromEntries(Object.entries(r.cost_details ?? {}).map(([k, v]) => [k, k.endsWith('_usd') ? usd(v) : int(v)])),
      }),
      facts('Timings', { Latency: ms(r.latency_ms), 'Time to first token': ms(r.ttft_ms), 'Gateway overhead': ms(r.overhead_ms) }),
    ),
    r.error_message ? h('div', { class: 'error' }, r.error_message) : null,
    attempts(r),
    h('section', { class: 'card' }, h('h3', {}, 'Messages'), messages(r.request?.messages), r.request ? null : h('p', { class: 'muted' }, 'Bodies are not kept (logging.bodies: off).')),
    answer ? h('section', { class: 'card', id: 'log-answer' }, h('h3', {}, 'Answer'), message(answer)) : null,
    r.request?.tools ? h('details', { class: 'card' }, h('summary', {}, 'Tools offered'), h('pre', {}, json(r.request.tools))) : null,
    h('details', { class: 'card' }, h('summary', {}, 'Raw record'), h('pre', {}, json(r))),
  );
}

function facts(title: string, rows: Record<string, string>): HTMLElement {
  return h('section', { class: 'card' }, h('h3', {}, title), h('dl', {}, Object.entries(rows).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])));
}

function attempts(r: LogRecord): HTMLElement {
  const list = r.attempts ?? [];
  return h(
    'section',
    { class: 'card', id: 'log-attempts' },
    h('h3', {}, `Attempts (${list.length})`),
    list.length === 0
      ? h('p', { class: 'muted' }, 'No provider was called.')
      : h(
          'ol',
          { class: 'attempts' },
          list.map((a) =>
            h(
              'li',
              {},
              `${a.provider}/${a.model} via ${a.credential ?? '—'} → ${a.status ?? '—'}`,
              a.error_type ? ` ${a.error_type}: ${a.error_message ?? ''}` : '',
              ` · started +${ms(a.started_ms)}, took ${ms(a.duration_ms)}`,
            ),
          ),
        ),
  );
}

/**
 * A request's messages. Records can be sent in through POST /v1/logs in any JSON shape: what is
 * not a list of messages is shown as the JSON it is, rather than break the page.
 */
function messages(value: unknown): HTMLElement | HTMLElement[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return h('pre', { class: 'content' }, json(value));
  return value.map((m) => message(m as ChatMessage));
}

/** A chat message; reasoning is drawn apart from the content so the two are never confused. */
export function message(m: ChatMessage): HTMLElement {
  if (!m || typeof m !== 'object') return h('pre', { class: 'content' }, json(m));
  const text = (value: unknown): string => (typeof value === 'string' ? value : json(value));
  return h(
    'div',
    { class: `msg role-${text(m.role)}` },
    h('div', { class: 'role' }, text(m.role), m.name ? ` (${text(m.name)})` : '', m.tool_call_id ? ` ← ${text(m.tool_call_id)}` : ''),
    m.reasoning_content ? h('div', { class: 'reasoning' }, h('div', { class: 'label' }, 'Reasoning'), h('pre', {}, text(m.reasoning_content))) : null,
    m.content !== undefined && m.content !== null && m.content !== '' ? h('pre', { class: 'content' }, text(m.content)) : null,
    (Array.isArray(m.tool_calls) ? m.tool_calls : []).map((t) =>
      h('div', { class: 'tool-call' }, h('span', { class: 'label' }, `tool call ${text(t?.function?.name ?? '')}`), h('pre', {}, text(t?.function?.arguments ?? ''))),
    ),
  );
}
