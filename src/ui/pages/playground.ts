import { api, errorOf, send } from '../api.js';
import { errorBox, field, h, mount } from '../dom.js';
import { int, ms, usd } from '../format.js';
import { errorText } from '../error-text.js';
import { readSse } from '../sse.js';
import { answerTurn, nextTurns, pendingToolCalls, saveConversation, savedConversation } from '../conversation.js';
import type { Turn } from '../conversation.js';
import type { LogRecord, Page } from '../types.js';

interface Delta {
  content?: string | null;
  reasoning_content?: string | null;
  tool_calls?: { index?: number; id?: string; function?: { name?: string; arguments?: string } }[];
}
/** A non-streamed answer, as far as the playground reads it. */
interface Completion {
  choices?: { message?: { content?: unknown; reasoning_content?: string | null; tool_calls?: { id?: string; function?: { name?: string; arguments?: string } }[] }; finish_reason?: string | null }[];
  usage?: Chunk['usage'];
}

interface Chunk {
  choices?: { delta?: Delta; finish_reason?: string | null }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number; completion_tokens_details?: { reasoning_tokens?: number } } | null;
  error?: { message?: unknown };
}

/**
 * The answer shown, kept between visits: a look at its log record (the link under it) and back
 * used to find an empty page. Memory only; a sign-out reloads the tab.
 */
let output: ReturnType<typeof newOutput> | undefined;

function newOutput() {
  const toolOut = h('pre', { id: 'pg-tool-calls' });
  return {
    // dir=auto: an answer in Hebrew or Arabic reads right to left.
    reasoning: h('pre', { id: 'pg-reasoning', dir: 'auto' }),
    content: h('pre', { id: 'pg-content', dir: 'auto' }),
    toolOut,
    stats: h('dl', { id: 'pg-stats' }),
    // Shown only once the model calls a tool.
    toolBox: h('div', { class: 'tool-call', hidden: true }, h('div', { class: 'label' }, 'Tool calls'), toolOut),
    status: h('div', { id: 'pg-status' }),
    /** The conversation's length when its last answer was shown here (it is not repeated above). */
    shownAt: -1,
  };
}

/**
 * What was typed, kept in the tab's sessionStorage (as the key is; cleared at sign-out) so that
 * back, forward and reload find it again.
 */
const FORM = 'moongate.playground';

function savedForm(): Record<string, string | undefined> {
  try {
    const v = JSON.parse(sessionStorage.getItem(FORM) ?? '{}') as unknown;
    return v && typeof v === 'object' ? (v as Record<string, string>) : {};
  } catch {
    return {};
  }
}

function saveForm(fields: Record<string, { value: string }>): void {
  try {
    sessionStorage.setItem(FORM, JSON.stringify(Object.fromEntries(Object.entries(fields).map(([k, el]) => [k, el.value]))));
  } catch {
    // The tab's storage is full (a very long message): what was typed is only on the page.
  }
}

/**
 * Results typed for the pending tool calls, by call id, kept as the form is: a look at a failed
 * request's log record and back (or a reload) found the boxes empty while the message was kept.
 */
const TOOL_RESULTS = 'moongate.playground.tool-results';

function savedToolResults(): Record<string, string> {
  try {
    const v = JSON.parse(sessionStorage.getItem(TOOL_RESULTS) ?? '{}') as unknown;
    return v && typeof v === 'object' ? (v as Record<string, string>) : {};
  } catch {
    return {};
  }
}

function saveToolResults(boxes: Iterable<HTMLTextAreaElement>): void {
  const values = Object.fromEntries([...boxes].filter((b) => b.value !== '').map((b) => [b.dataset.callId, b.value]));
  try {
    if (Object.keys(values).length === 0) sessionStorage.removeItem(TOOL_RESULTS);
    else sessionStorage.setItem(TOOL_RESULTS, JSON.stringify(values));
  } catch {
    // The tab's storage is full: the results typed are only on the page.
  }
}

/**
 * Try any model or alias through the gateway itself (so routing, keys and logging all apply):
 * streams the answer with reasoning apart, then shows tokens, TTFT, cost and what was adjusted.
 * Each answer continues the conversation: the next message, or the results of the tools the model
 * called, is sent with the turns before it, until "New conversation".
 */
export function playgroundPage(root: HTMLElement): () => void {
  const model = h('select', { id: 'pg-model' });
  const system = h('textarea', { id: 'pg-system', rows: 2, placeholder: 'You are Kimi…' });
  const user = h('textarea', { id: 'pg-user', rows: 4, placeholder: 'Ask something' });
  const temperature = h('input', { id: 'pg-temperature', type: 'number', step: '0.1', min: '0', max: '2', placeholder: 'model default' });
  const maxTokens = h('input', { id: 'pg-max-tokens', type: 'number', min: '1', placeholder: 'model default' });
  const topP = h('input', { id: 'pg-top-p', type: 'number', step: '0.05', min: '0', max: '1', placeholder: 'model default' });
  const thinking = h('select', { id: 'pg-thinking' }, h('option', { value: '' }, 'model default'), h('option', { value: 'enabled' }, 'enabled'), h('option', { value: 'disabled' }, 'disabled'));
  // The gateway's two paths (a stream is rebuilt for the log; adjustments differ): both can be tried.
  const streamed = h('select', { id: 'pg-stream' }, h('option', { value: 'on' }, 'yes'), h('option', { value: 'off' }, 'no: one JSON answer'));
  const tools = h('textarea', { id: 'pg-tools', rows: 3, placeholder: '[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{}}}}]' });
  const run = h('button', { type: 'submit', id: 'pg-run' }, 'Send');
  const stop = h('button', { type: 'button', id: 'pg-stop', disabled: true }, 'Stop');
  const restart = h('button', { type: 'button', id: 'pg-new', class: 'secondary' }, 'New conversation');
  const shown = (output ??= newOutput());
  const { reasoning, content, toolOut, stats, toolBox, status } = shown;
  let conversation = savedConversation();
  const transcript = h('ol', { id: 'pg-transcript', class: 'transcript' });
  const toolResults = h('div', { id: 'pg-tool-results' });
  let controller: AbortController | undefined;
  const fields = { model, system, user, temperature, maxTokens, topP, thinking, streamed, tools };
  const saved = savedForm();
  for (const [name, el] of Object.entries(fields)) if (name !== 'model' && saved[name] !== undefined) el.value = saved[name]!;

  void api<Page<{ id: string; owned_by: string }>>('/v1/models').then(
    (list) => {
      mount(model, list.data.map((m) => h('option', { value: m.id }, m.owned_by === 'moongate' ? `${m.id} (alias)` : m.id)));
      if (saved.model && list.data.some((m) => m.id === saved.model)) model.value = saved.model;
    },
    (err: unknown) => mount(status, errorBox(err)),
  );

  const form = h(
    'form',
    {
      class: 'card playground-form',
      onsubmit: (e: Event) => {
        e.preventDefault();
        void go();
      },
      oninput: () => saveTyped(),
      onchange: () => saveTyped(),
      // Ctrl+Enter (⌘+Enter) sends from any field, the message box included, as chat tools do.
      onkeydown: (e: Event) => {
        const key = e as KeyboardEvent;
        if (key.key !== 'Enter' || !(key.ctrlKey || key.metaKey) || run.disabled) return;
        key.preventDefault();
        form.requestSubmit();
      },
    },
    field('Model', model),
    field('System prompt', system),
    toolResults,
    field('Message', user),
    h('div', { class: 'row' }, field('Temperature', temperature), field('Max tokens', maxTokens), field('Top p', topP), field('Thinking', thinking), field('Stream', streamed)),
    field('Tools (JSON array, optional)', tools),
    h('div', { class: 'row' }, run, stop, restart),
  );
  function saveTyped(): void {
    saveForm(fields);
    saveToolResults(toolResults.querySelectorAll('textarea'));
  }
  stop.addEventListener('click', () => controller?.abort());
  restart.addEventListener('click', () => {
    controller?.abort();
    conversation = [];
    saveConversation(conversation);
    sessionStorage.removeItem(TOOL_RESULTS);
    for (const el of [reasoning, content, toolOut, stats, status]) el.replaceChildren();
    toolBox.hidden = true;
    shown.shownAt = -1;
    showConversation();
  });
  // Leaving the page stops a stream still running.
  const leave = (): void => controller?.abort();
  mount(
    root,
    h('h2', {}, 'Playground'),
    h(
      'div',
      { class: 'split' },
      form,
      h(
        'section',
        { class: 'card output' },
        transcript,
        status,
        h('div', { class: 'reasoning' }, h('div', { class: 'label' }, 'Reasoning'), reasoning),
        h('div', {}, h('div', { class: 'label' }, 'Answer'), content),
        toolBox,
        stats,
      ),
    ),
  );

  showConversation();

  async function go(): Promise<void> {
    let body: Record<string, unknown>;
    let added: Turn[];
    try {
      added = nextTurns(conversation, [...toolResults.querySelectorAll('textarea')].map((t) => t.value), user.value);
      body = requestBody(added);
    } catch (err) {
      mount(status, errorBox(err));
      return;
    }
    for (const el of [reasoning, content, toolOut, stats, status]) el.replaceChildren();
    status.removeAttribute('data-done');
    toolBox.hidden = true;
    // The last answer was left out of the transcript as shown below, which it no longer is.
    if (shown.shownAt === conversation.length) {
      shown.shownAt = -1;
      showTranscript();
    }
    controller = new AbortController();
    run.disabled = true;
    stop.disabled = false;
    const started = performance.now();
    let ttft: number | null = null;
    const calls: { id?: string; name: string; arguments: string }[] = [];
    let usage: Chunk['usage'] = null;
    let finish: string | null | undefined;
    // The request's log record: where a failed, cut or stopped answer can be looked into.
    let requestId: string | null = null;
    try {
      const res = await send('/v1/chat/completions', { body, signal: controller.signal });
      requestId = res.headers.get('x-moongate-request-id');
      if (!res.ok || !res.body) throw new Error(await errorOf(res));
      if (body.stream === false) {
        status.textContent = 'Waiting for the answer…';
        const answer = (await res.json()) as Completion;
        const choice = answer.choices?.[0];
        const m = choice?.message ?? {};
        finish = choice?.finish_reason;
        usage = answer.usage ?? null;
        reasoning.textContent = m.reasoning_content ?? '';
        content.textContent = typeof m.content === 'string' ? m.content : m.content ? JSON.stringify(m.content) : '';
        for (const t of m.tool_calls ?? []) calls.push({ ...(t.id ? { id: t.id } : {}), name: t.function?.name ?? '', arguments: t.function?.arguments ?? '' });
        if (calls.length > 0) {
          toolOut.textContent = JSON.stringify(calls, null, 2);
          toolBox.hidden = false;
        }
        status.textContent = `Done${finish ? ` (${finish})` : ''}.`;
        status.setAttribute('data-done', 'true');
        keep(added, content.textContent ?? '', calls);
        showStats(res.headers, usage, null, performance.now() - started);
        return;
      }
      status.textContent = 'Streaming…';
      const complete = await readSse(res.body, (data) => {
        const chunk = data as Chunk;
        // An error event ends the stream; its message is not always a string (a provider's own shape).
        if (chunk.error) throw new Error(`The stream failed: ${errorText(res.status, chunk).replace(/^HTTP \d+: /, '')}`);
        if (chunk.usage) usage = chunk.usage;
        const choice = chunk.choices?.[0];
        if (!choice) return;
        finish = choice.finish_reason ?? finish;
        const d = choice.delta ?? {};
        if (ttft === null && (d.content || d.reasoning_content || d.tool_calls)) ttft = performance.now() - started;
        if (d.reasoning_content) reasoning.append(d.reasoning_content);
        if (d.content) content.append(d.content);
        for (const t of d.tool_calls ?? []) {
          // Without an index (some OpenAI-compatible providers leave it out), a delta with a new id
          // starts a call and one without continues the last.
          const known = t.id ? calls.findIndex((c) => c?.id === t.id) : -1;
          const index = typeof t.index === 'number' ? t.index : known >= 0 ? known : t.id || calls.length === 0 ? calls.length : calls.length - 1;
          const call = (calls[index] ??= { name: '', arguments: '' });
          if (t.id) call.id = t.id;
          call.name += t.function?.name ?? '';
          call.arguments += t.function?.arguments ?? '';
          toolOut.textContent = JSON.stringify(calls, null, 2);
          toolBox.hidden = false;
        }
      });
      if (complete) {
        status.textContent = `Done${finish ? ` (${finish})` : ''}.`;
        status.setAttribute('data-done', 'true');
        keep(added, content.textContent ?? '', calls);
      } else {
        mount(status, errorBox('The stream ended before the answer was complete (no [DONE]): the connection was closed on the way. What came is shown below.'), logLink(requestId));
      }
      showStats(res.headers, usage, ttft, performance.now() - started);
    } catch (err) {
      mount(status, errorBox((err as Error).name === 'AbortError' ? 'Stopped.' : err), logLink(requestId));
    } finally {
      run.disabled = false;
      stop.disabled = true;
    }
  }

  /** A finished answer joins the conversation, after what was sent for it; the message box empties. */
  function keep(added: Turn[], answer: string, calls: { id?: string; name: string; arguments: string }[]): void {
    conversation = [...conversation, ...added, answerTurn(answer, calls)];
    if (!saveConversation(conversation)) {
      status.append(' The conversation is now too long to keep in this tab\'s storage: it goes on, but a reload loses it.');
    }
    sessionStorage.removeItem(TOOL_RESULTS);
    shown.shownAt = conversation.length;
    user.value = '';
    saveForm(fields);
    showConversation();
  }

  /**
   * The turns so far (but the answer shown below them, when it is), and a result box for each tool
   * call the last answer made. An answer that failed, was cut or stopped is not kept: sending again
   * retries it.
   */
  function showConversation(): void {
    showTranscript();
    const pending = pendingToolCalls(conversation);
    const typed = savedToolResults();
    mount(
      toolResults,
      pending.map((call, i) =>
        field(
          `Result of ${call.function.name} (${call.id})`,
          h('textarea', { id: `pg-tool-result-${i}`, 'data-call-id': call.id, rows: 2, placeholder: `What ${call.function.name} returned for ${call.function.arguments}`, value: typed[call.id] }),
        ),
      ),
    );
    user.placeholder = pending.length > 0 ? 'Optional, after the tool results' : conversation.length > 0 ? 'Reply' : 'Ask something';
  }

  function showTranscript(): void {
    const earlier = shown.shownAt === conversation.length ? conversation.slice(0, -1) : conversation;
    mount(
      transcript,
      // dir=auto on the text alone: on the whole turn, its English label decided the direction,
      // and a Hebrew or Arabic turn read left to right.
      earlier.map((t) => h('li', { class: `turn ${t.role}` }, h('span', { class: 'label' }, turnLabel(t)), h('div', { class: 'text', dir: 'auto' }, t.content))),
    );
    transcript.hidden = earlier.length === 0;
  }

  function requestBody(added: Turn[]): Record<string, unknown> {
    const messages: unknown[] = [];
    if (system.value.trim()) messages.push({ role: 'system', content: system.value });
    messages.push(...conversation, ...added);
    const body: Record<string, unknown> = streamed.value === 'off' ? { model: model.value, messages, stream: false } : { model: model.value, messages, stream: true, stream_options: { include_usage: true } };
    if (temperature.value) body.temperature = Number(temperature.value);
    if (maxTokens.value) body.max_tokens = Number(maxTokens.value);
    if (topP.value) body.top_p = Number(topP.value);
    if (thinking.value) body.thinking = { type: thinking.value };
    if (tools.value.trim()) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(tools.value);
      } catch (err) {
        throw new Error(`Tools are not valid JSON: ${(err as Error).message}`);
      }
      if (!Array.isArray(parsed)) throw new Error('Tools must be a JSON array of {"type":"function",…} objects.');
      body.tools = parsed;
    }
    return body;
  }

  function showStats(headers: Headers, usage: Chunk['usage'], ttft: number | null, total: number): void {
    const row = (k: string, v: string, id?: string): HTMLElement[] => [h('dt', {}, k), h('dd', id ? { id } : {}, v)];
    const requestId = headers.get('x-moongate-request-id');
    const cost = h('dd', { id: 'pg-cost' }, '…');
    mount(
      stats,
      row('Served by', `${headers.get('x-moongate-provider') ?? '—'}/${headers.get('x-moongate-model') ?? '—'} via ${headers.get('x-moongate-credential') ?? '—'}`),
      row('Tokens', `${int(usage?.prompt_tokens)} → ${int(usage?.completion_tokens)} (reasoning ${int(usage?.completion_tokens_details?.reasoning_tokens)})`, 'pg-tokens'),
      row('TTFT', ms(ttft), 'pg-ttft'),
      row('Total', ms(total)),
      row('Adjusted', headers.get('x-moongate-adjusted') ?? 'nothing', 'pg-adjusted'),
      h('dt', {}, 'Cost'),
      cost,
      requestId ? row('Log', '') : [],
    );
    if (requestId) stats.lastElementChild?.append(h('a', { href: `#/logs/${encodeURIComponent(requestId)}` }, requestId));
    if (requestId) void costOf(requestId).then((v) => (cost.textContent = v));
  }

  return leave;
}

function logLink(id: string | null): HTMLElement | null {
  return id ? h('p', { class: 'small' }, 'Log record: ', h('a', { href: `#/logs/${encodeURIComponent(id)}` }, id)) : null;
}

/** The cost is computed when the log record is written, a moment after the answer ends. */
async function costOf(id: string): Promise<string> {
  for (let i = 0; i < 10; i++) {
    // Asked after the writer's first batch (250 ms): an earlier ask is a 404 in the console.
    await new Promise((resolve) => setTimeout(resolve, i === 0 ? 500 : 300));
    try {
      const r = await api<LogRecord>(`/v1/logs/${encodeURIComponent(id)}`);
      return usd(r.cost_usd) + (r.cost_usd === null ? ' (no price for this model)' : '');
    } catch {
      // Not written yet: asked again.
    }
  }
  return 'not logged yet';
}

function turnLabel(t: Turn): string {
  if (t.role === 'user') return 'You';
  if (t.role === 'tool') return `Tool result (${t.tool_call_id})`;
  return t.tool_calls?.length ? `Model, calling ${t.tool_calls.map((c) => `${c.function.name}(${c.function.arguments})`).join(', ')}` : 'Model';
}
