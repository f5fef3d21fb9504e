import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GLOBAL_KEY } from '../helpers/stack.js';
import { startLogsStack } from '../helpers/logs-stack.js';
import type { LogsStack } from '../helpers/logs-stack.js';
import { parsePrometheusText, sampleValue } from '../helpers/prometheus-text.js';
import type { ParsedMetrics } from '../helpers/prometheus-text.js';

/** GET /metrics parses as Prometheus text and moves as requests flow. */
let stack: LogsStack;
beforeAll(async () => {
  stack = await startLogsStack();
});
afterAll(() => stack.close());

async function scrape(s: LogsStack = stack, token?: string): Promise<ParsedMetrics> {
  const res = await s.api('/metrics', token ? { token } : {});
  expect(res.status).toBe(200);
  return parsePrometheusText(res.text);
}

const k26 = { provider: 'moonshot', model: 'kimi-k2.6' };

describe('GET /metrics', () => {
  it('declares every metric with a type and help text', async () => {
    const m = await scrape();
    for (const name of [
      'moongate_requests_total',
      'moongate_request_errors_total',
      'moongate_tokens_total',
      'moongate_cost_usd_total',
      'moongate_request_duration_seconds',
      'moongate_time_to_first_token_seconds',
      'moongate_gateway_overhead_seconds',
      'moongate_requests_in_flight',
      'moongate_router_queue_depth',
      'moongate_credential_state',
      'moongate_log_writer_backlog',
      'moongate_log_spool_bytes',
    ]) {
      expect(m.types.has(name), name).toBe(true);
      expect(m.help.get(name), name).toBeTruthy();
    }
    expect(m.types.get('moongate_request_duration_seconds')).toBe('histogram');
    expect(sampleValue(m, 'moongate_credential_state', { credential: 'moonshot/main', state: 'ok' })).toBe(1);
  });

  it('counts requests, errors, tokens and cost, and observes latency and TTFT', async () => {
    const before = await scrape();
    const data = await stack.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: '[[sim:tokens=6]] count me' }] });
    const stream = await stack.client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'stream me' }], stream: true, stream_options: { include_usage: true } });
    let streamUsage: any;
    for await (const chunk of stream) if (chunk.usage) streamUsage = chunk.usage;
    await fetch(`${stack.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: '[[sim:error=429]] no' }] }) });
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) => sampleValue(after, name, labels) - sampleValue(before, name, labels);

    expect(delta('moongate_requests_total', { ...k26, status: '200' })).toBe(2);
    expect(delta('moongate_requests_total', { ...k26, status: '429' })).toBe(1);
    expect(delta('moongate_request_errors_total', { ...k26, type: 'rate_limit_reached_error' })).toBe(1);
    expect(delta('moongate_tokens_total', { ...k26, kind: 'prompt' })).toBe(data.usage!.prompt_tokens + streamUsage.prompt_tokens);
    expect(delta('moongate_tokens_total', { ...k26, kind: 'completion' })).toBe(data.usage!.completion_tokens + streamUsage.completion_tokens);
    // kimi-k2.6: 0.95 input, 0.16 cache hit, 4.00 output per 1M tokens.
    const costOf = (u: any) => {
      const cached = u.prompt_tokens_details?.cached_tokens ?? u.cached_tokens ?? 0;
      return ((u.prompt_tokens - cached) * 0.95 + cached * 0.16 + u.completion_tokens * 4) / 1e6;
    };
    const cost = costOf(data.usage) + costOf(streamUsage);
    expect(delta('moongate_cost_usd_total', k26)).toBeCloseTo(cost, 10);
    expect(delta('moongate_request_duration_seconds_count', { ...k26, status: '200' })).toBe(2);
    expect(delta('moongate_time_to_first_token_seconds_count', { ...k26, status: '200' })).toBe(1);
    expect(delta('moongate_gateway_overhead_seconds_count', k26)).toBe(3);

    // Histogram buckets never decrease and +Inf holds every observation.
    const buckets = after.samples.filter((s) => s.name === 'moongate_request_duration_seconds_bucket' && s.labels.model === 'kimi-k2.6' && s.labels.status === '200');
    const counts = buckets.map((b) => b.value);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(buckets.find((b) => b.labels.le === '+Inf')!.value).toBe(sampleValue(after, 'moongate_request_duration_seconds_count', { ...k26, status: '200' }));
  });

  it('shows requests in flight while a slow stream runs', async () => {
    const stream = await stack.client.chat.completions.create({ model: 'moonshot/moonshot-v1-8k', messages: [{ role: 'user', content: '[[sim:token_delay=200]] [[sim:tokens=5]] slowly' }], stream: true });
    const it = stream[Symbol.asyncIterator]();
    await it.next();
    const during = await scrape();
    expect(sampleValue(during, 'moongate_requests_in_flight')).toBe(1);
    for (let r = await it.next(); !r.done; r = await it.next()) {
      // drain
    }
    await expect.poll(async () => sampleValue(await scrape(), 'moongate_requests_in_flight')).toBe(0);
  });

  it('reports the log writer: records written, backlog and spool', async () => {
    await stack.flush();
    const m = await scrape();
    expect(sampleValue(m, 'moongate_log_records_written_total')).toBeGreaterThanOrEqual(4);
    expect(sampleValue(m, 'moongate_log_writer_backlog')).toBe(0);
    expect(sampleValue(m, 'moongate_log_spool_bytes')).toBe(0);
    expect(sampleValue(m, 'moongate_log_store_up')).toBe(1);
  });

  it('keeps one registry per gateway, and needs the master key when one is set', async () => {
    const other = await startLogsStack({
      configYaml: `
master_key: metrics-master
providers:
  moonshot:
    regions: { global: \${SIM}/v1, cn: \${SIM}/cn/v1 }
    credentials: [{ name: second, api_key: ${GLOBAL_KEY} }]
`,
    });
    try {
      expect((await other.api('/metrics')).status).toBe(401);
      const fresh = await scrape(other, 'metrics-master');
      expect(sampleValue(fresh, 'moongate_requests_total', { ...k26, status: '200' })).toBe(0);
      expect(sampleValue(fresh, 'moongate_credential_state', { credential: 'moonshot/second', state: 'ok' })).toBe(1);
      expect(fresh.samples.some((s) => s.labels.credential === 'moonshot/main')).toBe(false);
      expect(sampleValue(await scrape(), 'moongate_requests_total', { ...k26, status: '200' })).toBeGreaterThan(0);
    } finally {
      await other.close();
    }
  });

  it('follows credentials added and removed at run time', async () => {
    const other = await startLogsStack({ secret: 'a-long-secret-for-the-metrics-test' });
    try {
      const added = await other.api('/admin/credentials', { body: { provider: 'moonshot', name: 'runtime', api_key: GLOBAL_KEY } });
      expect(added.status).toBe(201);
      const withIt = await scrape(other);
      expect(sampleValue(withIt, 'moongate_credential_state', { credential: 'moonshot/runtime', state: 'ok' })).toBe(1);
      expect(withIt.samples.some((s) => s.name === 'moongate_credential_in_flight' && s.labels.credential === 'moonshot/runtime')).toBe(true);

      expect((await other.api('/admin/credentials/runtime', { method: 'DELETE' })).status).toBeLessThan(300);
      const without = await scrape(other);
      expect(without.samples.some((s) => s.labels.credential === 'moonshot/runtime')).toBe(false);
      expect(sampleValue(without, 'moongate_credential_state', { credential: 'moonshot/main', state: 'ok' })).toBe(1);
    } finally {
      await other.close();
    }
  });
});
