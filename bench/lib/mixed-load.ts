/** The soak's load (a `mixed` job of the load worker): the kinds of lib/soak-mix.ts, sent in turn. */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Client } from 'undici';
import type { MixedJob, MixedKindCounts, MixedResult } from './protocol.js';
import { SOAK_MIX, soakOrder, toolResultsBody, type SoakKind } from './soak-mix.js';

const MAX_SAMPLES = 3;
/** undici publishes here once a request's headers are written to its socket. */
const HEADERS_SENT = 'undici:client:sendHeaders';

export function emptyKindCounts(): MixedKindCounts {
  return { items: 0, status: {}, errorEvents: 0, aborted: 0, failed: 0, samples: [] };
}

/** Adds one phase's counts to the run's. */
export function mergeKindCounts(into: Record<string, MixedKindCounts>, from: Record<string, MixedKindCounts>): void {
  for (const [name, c] of Object.entries(from)) {
    const t = (into[name] ??= emptyKindCounts());
    t.items += c.items;
    t.errorEvents += c.errorEvents;
    t.aborted += c.aborted;
    t.failed += c.failed;
    for (const [code, n] of Object.entries(c.status)) t.status[code] = (t.status[code] ?? 0) + n;
    for (const sample of c.samples) if (t.samples.length < MAX_SAMPLES) t.samples.push(sample);
  }
}

export async function mixedLoad(job: MixedJob): Promise<MixedResult> {
  const order = soakOrder(job.only ? SOAK_MIX.filter((kind) => job.only!.includes(kind.name)) : SOAK_MIX);
  if (order.length === 0) throw new Error(`no kind of the soak mix is named ${job.only?.join(', ')}`);
  const headers = { 'content-type': 'application/json', ...job.target.headers };
  const out: MixedResult = { kind: 'mixed', requests: 0, items: 0, byKind: {} };
  const counts = (kind: SoakKind): MixedKindCounts => (out.byKind[kind.name] ??= emptyKindCounts());
  const stopAt = performance.now() + job.durationMs;

  const post = (client: Client, body: string, signal?: AbortSignal) =>
    client.request({ method: 'POST', path: job.target.path, headers, body, signal, headersTimeout: 30_000, bodyTimeout: 30_000 });
  const note = (c: MixedKindCounts, text: string): void => {
    if (c.samples.length < MAX_SAMPLES) c.samples.push(text.slice(0, 300));
  };
  const answered = (c: MixedKindCounts, status: number): void => {
    c.status[status] = (c.status[status] ?? 0) + 1;
  };

  const one = async (client: Client, kind: SoakKind, n: number): Promise<void> => {
    const c = counts(kind);
    c.items++;
    const model = (kind.route && job.routes?.[kind.route]) ?? job.target.model;
    const body = kind.body(model, n);
    const hangUp = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    if (kind.abort !== undefined && kind.abort !== 'first-chunk') timer = setTimeout(() => hangUp.abort(), kind.abort.afterMs);
    try {
      const res = await post(client, body, hangUp.signal);
      if (kind.abort === 'first-chunk' && res.statusCode === 200) {
        await res.body[Symbol.asyncIterator]().next();
        res.body.destroy(); // undici aborts the request: the connection closes mid-stream
        c.aborted++;
        return;
      }
      if (kind.toolRoundTrip && res.statusCode === 200) {
        const first = (await res.body.json()) as { choices?: { message?: { content?: unknown; tool_calls?: { id?: unknown }[] } }[] };
        const assistant = first.choices?.[0]?.message;
        if (!assistant?.tool_calls?.length) {
          c.failed++;
          note(c, `first turn without tool calls: ${JSON.stringify(first).slice(0, 200)}`);
          return;
        }
        const second = await post(client, toolResultsBody(body, assistant));
        const text = await second.body.text();
        answered(c, second.statusCode);
        if (second.statusCode !== 200) note(c, `second turn ${second.statusCode} ${text}`);
        return;
      }
      if (res.statusCode === 200 && String(res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
        const text = await res.body.text();
        answered(c, 200);
        if (/^data: ?\{"error"/m.test(text)) {
          c.errorEvents++;
          note(c, `error event: ${/^data: ?(\{"error".*)$/m.exec(text)?.[1] ?? ''}`);
        } else if (!/^data: ?\[DONE\]/m.test(text)) {
          c.failed++;
          note(c, `stream ended without [DONE] or an error event: …${text.slice(-200)}`);
        }
        return;
      }
      const text = await res.body.text();
      answered(c, res.statusCode);
      if (res.statusCode !== 200) note(c, `${res.statusCode} ${text}`);
    } catch (err) {
      if (hangUp.signal.aborted) {
        c.aborted++;
      } else {
        c.failed++;
        note(c, String(err));
      }
    } finally {
      clearTimeout(timer);
    }
  };

  const clients: Client[] = [];
  const loop = async (): Promise<void> => {
    const client = new Client(job.target.origin, { pipelining: 1, keepAliveTimeout: 60_000 });
    clients.push(client);
    while (performance.now() < stopAt) {
      const n = job.startAt + out.items++;
      await one(client, order[n % order.length]!, n);
    }
  };
  // This process runs one job at a time: every request undici writes meanwhile is this job's.
  const headersSent = (): void => void out.requests++;
  subscribe(HEADERS_SENT, headersSent);
  try {
    await Promise.all(Array.from({ length: job.concurrency }, loop));
  } finally {
    unsubscribe(HEADERS_SENT, headersSent);
    await Promise.all(clients.map((client) => client.destroy()));
  }
  return out;
}
