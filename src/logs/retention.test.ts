import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import type { LogEntry } from './log-record.js';
import { RetentionSweeper } from './retention.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 1);

function entry(id: string, ageDays: number): LogEntry {
  return {
    id, created_at_ms: NOW - ageDays * DAY, source: 'proxy', key_id: null, customer_identifier: null, user: null, trace_id: null, metadata: null,
    provider: 'moonshot', credential: null, model_requested: null, model: 'kimi-k2.6', stream: false, status: 200, error_type: null, error_message: null,
    attempts: [], adjustments: [], prompt_tokens: 1, completion_tokens: 1, cached_tokens: 0, reasoning_tokens: 0, cost_usd: 0, cost_details: null,
    latency_ms: 1, ttft_ms: null, overhead_ms: 0, request_json: null, response_json: null,
  };
}

describe('RetentionSweeper', () => {
  it('deletes records past retention in small batches and keeps the rest', async () => {
    const store = await SqliteStore.open(':memory:');
    await store.logs.insert([...Array.from({ length: 25 }, (_, i) => entry(`old${i}`, 40 + i)), entry('recent', 1), entry('edge', 29.9)]);
    const calls: number[] = [];
    const repo = { deleteOlderThan: async (cutoff: number, limit: number) => {
      const n = await store.logs.deleteOlderThan(cutoff, limit);
      calls.push(n);
      return n;
    } };
    const sweeper = new RetentionSweeper(repo, { days: 30, batchSize: 10, pauseMs: 1, now: () => NOW });
    expect(await sweeper.sweep()).toBe(25);
    expect(calls).toEqual([10, 10, 5]);
    const left = (await store.logs.list({ limit: 100 })).records.map((r) => r.id).sort();
    expect(left).toEqual(['edge', 'recent']);
    await sweeper.stop();
    await store.close();
  });
});
