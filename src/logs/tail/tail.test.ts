import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../log-record.js';
import { formatLogLine } from './format-log-line.js';
import { LogReadRefused } from './log-reader.js';
import type { LogReader } from './log-reader.js';
import { tailLogs } from './tail-logs.js';

function record(id: string, createdAt: number, over: Partial<LogRecord> = {}): LogRecord {
  return {
    id, created_at: new Date(createdAt).toISOString(), source: 'proxy', key_id: null, customer_identifier: null, user: null, trace_id: null, metadata: null,
    provider: 'moonshot', credential: 'main', model_requested: 'kimi', model: 'kimi-k2.6', stream: true, status: 200, error_type: null, error_message: null,
    attempts: [], adjustments: [], prompt_tokens: 812, completion_tokens: 96, cached_tokens: 0, reasoning_tokens: 0, cost_usd: 0.000892, cost_details: null,
    latency_ms: 1240, ttft_ms: 310, overhead_ms: 1, request: null, response: null, ...over,
  };
}

describe('formatLogLine', () => {
  it('prints one scannable line per record', () => {
    expect(formatLogLine(record('id-1', Date.UTC(2026, 0, 31, 12)))).toBe('2026-01-31 12:00:00.000  200  moonshot/kimi-k2.6  main  stream  1.24s ttft 310ms  812→96 tok  $0.000892  id-1');
    expect(formatLogLine(record('id-2', 0, { status: 429, error_type: 'rate_limit_error', error_message: 'slow\ndown', cost_usd: null, stream: false, ttft_ms: null, customer_identifier: 'acme' }))).toContain(
      '429  moonshot/kimi-k2.6  main  json  1.24s  812→96 tok  $?  id-2  customer=acme  rate_limit_error: slow down',
    );
  });
});

describe('tailLogs', () => {
  it('prints the latest oldest first, then only records it has not printed', async () => {
    const t = Date.now();
    const pages: LogRecord[][] = [
      [record('c', t - 1000), record('b', t - 2000), record('a', t - 3000)],
      [record('d', t), record('c', t - 1000)],
    ];
    let calls = 0;
    const reader: LogReader = { page: async () => ({ records: pages[Math.min(calls++, pages.length - 1)]! }), close: async () => {} };
    const printed: string[] = [];
    const abort = new AbortController();
    const done = tailLogs(reader, { filter: {}, last: 3, follow: true, pollMs: 5, signal: abort.signal, print: (r) => printed.push(r.id) });
    while (printed.length < 4) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 30));
    abort.abort();
    await done;
    expect(printed).toEqual(['a', 'b', 'c', 'd']);
  });

  it('follows with new records only: not the older ones beyond --lines that the polls look back over', async () => {
    const t = Date.now();
    const stored = [record('old-1', t - 5000), record('old-2', t - 4000), record('old-3', t - 3000), record('latest', t - 2000)];
    const reader: LogReader = {
      page: async (filter, limit) => ({
        records: stored
          .filter((r) => Date.parse(r.created_at) >= (filter.from_ms ?? 0))
          .reverse()
          .slice(0, limit),
      }),
      close: async () => {},
    };
    const printed: string[] = [];
    const abort = new AbortController();
    const done = tailLogs(reader, { filter: {}, last: 1, follow: true, pollMs: 5, signal: abort.signal, print: (r) => printed.push(r.id) });
    while (printed.length < 1) await new Promise((r) => setTimeout(r, 5));
    // Written after following began: a new one, and one that finished earlier but was stored late.
    stored.push(record('late', t - 2500), record('new', t));
    while (printed.length < 3) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 30));
    abort.abort();
    await done;
    expect(printed).toEqual(['latest', 'late', 'new']);
  });

  it('keeps asking from now when a record is dated in the future, and leaves no abort listener per poll', async () => {
    const t = Date.now();
    const froms: number[] = [];
    const reader: LogReader = {
      page: async (filter) => {
        froms.push(filter.from_ms ?? 0);
        return { records: froms.length === 1 ? [record('future', t + 3_600_000)] : [] };
      },
      close: async () => {},
    };
    const abort = new AbortController();
    const added: string[] = [];
    const add = abort.signal.addEventListener.bind(abort.signal);
    const remove = abort.signal.removeEventListener.bind(abort.signal);
    abort.signal.addEventListener = ((type: string, fn: () => void, o?: { once?: boolean }) => (added.push('+'), add(type, fn, o))) as typeof abort.signal.addEventListener;
    abort.signal.removeEventListener = ((type: string, fn: () => void) => (added.push('-'), remove(type, fn))) as typeof abort.signal.removeEventListener;
    const done = tailLogs(reader, { filter: {}, last: 1, follow: true, pollMs: 2, signal: abort.signal, print: () => {} });
    while (froms.length < 6) await new Promise((r) => setTimeout(r, 5));
    abort.abort();
    await done;
    // Every poll after the first looks back from (about) now, not from an hour ahead.
    expect(Math.max(...froms.slice(1))).toBeLessThanOrEqual(Date.now());
    expect(added.filter((a) => a === '+').length - added.filter((a) => a === '-').length).toBeLessThanOrEqual(1);
  });

  it('keeps following while the gateway is away (a restart), and stops when it refuses', async () => {
    const t = Date.now();
    let calls = 0;
    const reader: LogReader = {
      page: async () => {
        calls++;
        if (calls === 1) return { records: [record('a', t - 1000)] };
        if (calls <= 3) throw new Error('connect ECONNREFUSED 127.0.0.1:4000');
        if (calls === 4) return { records: [record('b', t)] };
        throw new LogReadRefused('http://127.0.0.1:4000 answered 401: wrong key');
      },
      close: async () => {},
    };
    const printed: string[] = [];
    const warnings: string[] = [];
    const done = tailLogs(reader, { filter: {}, last: 1, follow: true, pollMs: 2, signal: new AbortController().signal, print: (r) => printed.push(r.id), warn: (m) => warnings.push(m) });
    await expect(done).rejects.toThrow('answered 401');
    expect(printed).toEqual(['a', 'b']);
    expect(warnings).toEqual(['cannot read the logs (connect ECONNREFUSED 127.0.0.1:4000); trying again every 2 ms', 'reading the logs again']);
  });
});
