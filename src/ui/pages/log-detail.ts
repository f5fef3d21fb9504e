import { ApiError, api } from '../api.js';
import { errorBox, h, mount } from '../dom.js';
import type { Child } from '../dom.js';
import { int, json, ms, time, usd } from '../format.js';
import type { ChatMessage, LogRecord } from '../types.js';
import { logsListHash } from './logs.js';

/** One record: who, where, what it cost and took, the path through providers, and the bodies. */
export async function logDetailPage(root: HTMLElement, id: string): Promise<void> {
  mount(root, h('p', { class: 'muted' }, 'Loading…'));
  let r: LogRecord;
  try {
    r = await fetchRecord(id, root);
  } catch (err) {
    mount(root, h('a', { href: logsListHash() }, '← Logs'), errorBox(err));
    return;
  }
  const choices = Array.isArray(r.response?.choices) ? r.response.choices : [];
  mount(
    root,
    h('a', { href: logsListHash() }, '← Logs'),
    h('h2', {}, 'Request ', h('code', {}, r.id)),
    h(
      'div',
      { class: 'grid', id: 'log-detail' },
      facts('Request', {
        Time: `${time(r.created_at)} UTC`,
        Status: [String(r.status), r.error_type ? ' · ' : null, r.error_type ? iso(r.error_type) : null],
        Model: [iso(r.model), ' (asked: ', iso(r.model_requested), ')'],
        Provider: [iso(r.provider), ' / ', iso(r.credential)],
        Key: iso(r.key_id),
        Customer: iso(r.customer_identifier),
        // Who it was for, as the caller tagged it: shown here rather than only in the raw record.
        ...(r.user ? { User: iso(r.user) } : {}),
        ...(r.trace_id ? { Trace: iso(r.trace_id) } : {}),
        ...(r.metadata !== null && r.metadata !== undefined ? { Metadata: h('pre', {}, json(r.metadata)) } : {}),
        Stream: r.stream ? 'yes' : 'no',
        Source: iso(r.source),
        Adjusted: Array.isArray(r.adjustments) ? r.adjustments.join(', ') || '—' : iso(r.adjustments),
      }),
      facts('Tokens & cost', {
        Prompt: int(r.prompt_tokens),
        'Cached (of prompt)': int(r.cached_tokens),
        Completion: int(r.completion_tokens),
        'Reasoning (of completion)': int(r.reasoning_tokens),
        Cost: r.cost_usd === null ? 'unpriced (no price for this model, or no usage reported)' : usd(r.cost_usd),
        ...Object.fromEntries(Object.entries(r.cost_details ?? {}).map(([k, v]) => [k, k.endsWith('_usd') ? usd(v) : int(v)])),
      }),
      facts('Timings', { Latency: ms(r.latency_ms), 'Time to first token': ms(r.ttft_ms), 'Gateway overhead': ms(r.overhead_ms) }),
    ),
    r.error_message ? h('div', { class: 'error' }, r.error_message) : null,
    attempts(r),
    h('section', { class: 'card' }, h('h3', {}, 'Messages'), requestBody(r)),
    choices.length > 0 ? h('section', { class: 'card', id: 'log-answer' }, h('h3', {}, 'Answer'), choices.map((c, i) => choice(c, i, choices.length))) : null,
    r.request?.tools ? h('details', { class: 'card' }, h('summary', {}, 'Tools offered'), h('pre', {}, json(r.request.tools))) : null,
    h('details', { class: 'card' }, h('summary', {}, 'Raw record'), h('pre', {}, json(r))),
  );
}

/**
 * A caller's text set apart for the bidirectional algorithm: a right-to-left name (or an override
 * character left open in one) otherwise reorders the words around it ("via 200 → מפתח").
 */
function iso(value: unknown): HTMLElement {
  return h('bdi', {}, value === null || value === undefined ? '—' : typeof value === 'string' ? value : json(value));
}

/**
 * The record, waited for a moment when it is not there yet: the playground links to a request's
 * record as soon as the answer ends, and the record is written a moment later (the log writer's
 * batches), so the link opened at once said "No log record".
 */
async function fetchRecord(id: string, root: HTMLElement): Promise<LogRecord> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await api<LogRecord>(`/v1/logs/${encodeURIComponent(id)}`);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404) || attempt >= RECORD_WAITS || !root.isConnected) throw err;
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
  }
}
const RECORD_WAITS = 5;

function facts(title: string, rows: Record<string, Child | Child[]>): HTMLElement {
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
              iso(`${a.provider}/${a.model}`),
              ' via ',
              iso(a.credential),
              ` → ${a.status ?? '—'}`,
              a.error_type ? [' ', iso(a.error_type), ': ', iso(a.error_message ?? '')] : '',
              ` · started +${ms(a.started_ms)}, took ${ms(a.duration_ms)}`,
            ),
          ),
        ),
  );
}

/**
 * What was asked: the messages, or the body as JSON when it has none (a completions-style prompt
 * sent in through POST /v1/logs), or why there is no body.
 */
function requestBody(r: LogRecord): HTMLElement | HTMLElement[] {
  if (r.request === null || r.request === undefined) {
    const why = r.source === 'ingested' ? 'No request body was sent with this record.' : 'No request body is kept for this record (logging.bodies: off).';
    return h('p', { class: 'muted' }, why);
  }
  if (r.request.messages === undefined) return h('pre', { class: 'content', dir: 'auto' }, json(r.request));
  return messages(r.request.messages);
}

/** One choice of the answer: a chat message, or a completions-style `text`. */
function choice(c: unknown, i: number, count: number): HTMLElement {
  const { message: m, text } = (c && typeof c === 'object' ? c : {}) as { message?: ChatMessage; text?: unknown };
  const body = m !== undefined ? message(m) : typeof text === 'string' ? h('pre', { class: 'content', dir: 'auto' }, text) : h('pre', { class: 'content' }, json(c));
  return count > 1 ? h('div', { class: 'choice' }, h('div', { class: 'label' }, `choice ${i}`), body) : body;
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
    h('div', { class: 'role' }, iso(m.role), m.name ? [' (', iso(m.name), ')'] : '', m.tool_call_id ? [' ← ', iso(m.tool_call_id)] : ''),
    // dir=auto: a message in Hebrew or Arabic reads right to left, its punctuation where it belongs.
    m.reasoning_content ? h('div', { class: 'reasoning' }, h('div', { class: 'label' }, 'Reasoning'), h('pre', { dir: 'auto' }, text(m.reasoning_content))) : null,
    m.content !== undefined && m.content !== null && m.content !== '' ? h('pre', { class: 'content', dir: 'auto' }, text(m.content)) : null,
    (Array.isArray(m.tool_calls) ? m.tool_calls : []).map((t) =>
      h('div', { class: 'tool-call' }, h('span', { class: 'label' }, 'tool call ', iso(t?.function?.name ?? '')), h('pre', {}, text(t?.function?.arguments ?? ''))),
    ),
  );
}
