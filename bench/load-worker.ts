/**
 * The load generator: a separate process (forked by run.ts and soak.ts, jobs over IPC) so that the
 * client's own CPU use is never counted in the process under test. Latency and streams use undici
 * with keep-alive connections and performance.now(); throughput uses autocannon; the soak's mixed
 * traffic is lib/mixed-load.ts.
 */
import { setMaxListeners } from 'node:events';
import autocannon from 'autocannon';
import { Client, Pool } from 'undici';
import { mixedLoad } from './lib/mixed-load.js';
import { sharedClockMs } from './lib/shared-clock.js';
import type { HttpTarget, Job, JobMessage, JobResult, LatencyJob, LatencyResult, StreamsJob, StreamsResult, ThroughputJob, ThroughputResult, WorkerReply } from './lib/protocol.js';

const MAX_ERROR_SAMPLES = 5;

process.on('message', (message: JobMessage) => {
  run(message.job).then(
    (result) => reply({ id: message.id, ok: true, result }),
    (err: unknown) => reply({ id: message.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});
process.on('disconnect', () => process.exit(0));

function reply(message: WorkerReply): void {
  process.send?.(message);
}

function run(job: Job): Promise<JobResult> {
  switch (job.kind) {
    case 'latency':
      return latency(job);
    case 'throughput':
      return throughput(job);
    case 'streams':
      return streams(job);
    case 'mixed':
      return mixedLoad(job);
  }
}

function headersFor(target: HttpTarget): Record<string, string> {
  return { 'content-type': 'application/json', ...target.headers };
}

function noteError(samples: string[], text: string): void {
  if (samples.length < MAX_ERROR_SAMPLES) samples.push(text.slice(0, 300));
}

/** Moongate's `server-timing`: its own time, the upstream's excluded. */
const GATEWAY_TIMING = /(?:^|,\s*)gateway;dur=([\d.]+)/;

async function latency(job: LatencyJob): Promise<LatencyResult> {
  const pool = new Pool(job.target.origin, { connections: 1, pipelining: 1, keepAliveTimeout: 60_000 });
  const headers = headersFor(job.target);
  const samples: number[] = [];
  const gatewayMs: number[] = [];
  const errorSamples: string[] = [];
  let errors = 0;
  try {
    for (let i = 0; i < job.warmup + job.requests; i++) {
      const t0 = performance.now();
      try {
        const res = await pool.request({ method: 'POST', path: job.target.path, headers, body: job.body });
        const text = await res.body.text();
        const ms = performance.now() - t0;
        if (res.statusCode !== 200) {
          errors++;
          noteError(errorSamples, `${res.statusCode} ${text}`);
        } else if (i >= job.warmup) {
          samples.push(ms);
          const own = GATEWAY_TIMING.exec(String(res.headers['server-timing'] ?? ''));
          if (own) gatewayMs.push(Number(own[1]));
        }
      } catch (err) {
        errors++;
        noteError(errorSamples, String(err));
      }
    }
  } finally {
    await pool.close();
  }
  return { kind: 'latency', samples, gatewayMs, errors, errorSamples };
}

async function throughput(job: ThroughputJob): Promise<ThroughputResult> {
  const result = await autocannon({
    url: job.target.origin + job.target.path,
    method: 'POST',
    headers: headersFor(job.target),
    body: job.body,
    connections: job.connections,
    pipelining: 1,
    timeout: 10,
    ...(job.amount !== undefined ? { amount: job.amount } : { duration: job.durationS ?? 5 }),
  });
  const ok = result['2xx'];
  return {
    kind: 'throughput',
    rps: result.duration > 0 ? ok / result.duration : 0,
    ok,
    errors: result.errors,
    non2xx: result.non2xx,
    timeouts: result.timeouts,
    durationS: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

async function streams(job: StreamsJob): Promise<StreamsResult> {
  // One keep-alive connection per loop. (Not one Pool of `concurrency` connections: undici's pool
  // dispatch made the client itself the bottleneck at 2,000 connections.)
  const headers = headersFor(job.target);
  const clients: Client[] = [];
  const out: StreamsResult = { kind: 'streams', started: 0, completed: 0, errors: 0, errorSamples: [], ttfc: [], gaps: [], events: 0, peakOpen: 0, wallMs: 0 };
  if (job.stamps) out.stamps = [];
  const deadline = new AbortController();
  setMaxListeners(0, deadline.signal); // one signal for every stream of the job
  const deadlineTimer = setTimeout(() => deadline.abort(new Error(`deadline of ${job.deadlineMs} ms passed`)), job.deadlineMs);
  const t0 = performance.now();
  const stopAt = job.durationMs !== undefined ? t0 + job.durationMs : Infinity;
  const limit = job.count ?? Infinity;
  let open = 0;

  const one = async (client: Client): Promise<void> => {
    const started = performance.now();
    const sentAt = job.stamps ? sharedClockMs() : 0;
    let stamps: [number, number] | undefined;
    open++;
    out.peakOpen = Math.max(out.peakOpen, open);
    try {
      const res = await client.request({ method: 'POST', path: job.target.path, headers, body: job.body, signal: deadline.signal, headersTimeout: 0, bodyTimeout: 0 });
      if (res.statusCode !== 200) {
        out.errors++;
        noteError(out.errorSamples, `${res.statusCode} ${await res.body.text()}`);
        return;
      }
      let first = true;
      let buffer = '';
      let lastToken: number | undefined;
      let done = false;
      let failed: string | undefined;
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        const now = performance.now();
        if (first) {
          first = false;
          if (job.ttfc) out.ttfc.push(now - started);
          if (job.stamps) stamps = [sentAt, sharedClockMs()];
        }
        buffer += chunk.toString('utf8');
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = dataOf(event);
          if (data === undefined) continue;
          out.events++;
          if (data === '[DONE]') {
            done = true;
            continue;
          }
          const kind = classify(data);
          if (kind === 'error') failed ??= data;
          else if (kind === 'token' && job.gaps) {
            if (lastToken !== undefined) out.gaps.push(now - lastToken);
            lastToken = now;
          }
        }
      }
      if (failed !== undefined) {
        out.errors++;
        noteError(out.errorSamples, `error event: ${failed}`);
      } else if (!done) {
        out.errors++;
        noteError(out.errorSamples, 'stream ended without [DONE]');
      } else {
        out.completed++;
        if (stamps) out.stamps?.push(stamps);
      }
    } catch (err) {
      out.errors++;
      noteError(out.errorSamples, String(err));
    } finally {
      open--;
    }
  };

  const loop = async (_: unknown, index: number): Promise<void> => {
    if (job.rampMs) await new Promise((resolve) => setTimeout(resolve, (index * job.rampMs!) / job.concurrency));
    const client = new Client(job.target.origin, { pipelining: 1, keepAliveTimeout: 60_000 });
    clients.push(client);
    while (out.started < limit && performance.now() < stopAt && !deadline.signal.aborted) {
      out.started++;
      await one(client);
      if (job.pauseMs && out.started < limit) await new Promise((resolve) => setTimeout(resolve, job.pauseMs));
    }
  };

  try {
    await Promise.all(Array.from({ length: job.concurrency }, loop));
  } finally {
    clearTimeout(deadlineTimer);
    out.wallMs = performance.now() - t0;
    await Promise.all(clients.map((c) => c.destroy()));
  }
  return out;
}

function dataOf(event: string): string | undefined {
  let data: string | undefined;
  for (const line of event.split('\n')) {
    if (line.startsWith('data:')) {
      const value = line.slice(line.startsWith('data: ') ? 6 : 5);
      data = data === undefined ? value : `${data}\n${value}`;
    }
  }
  return data;
}

/** A token event carries content or reasoning; an error event has a top-level `error`. */
function classify(data: string): 'token' | 'error' | 'other' {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return 'error';
  }
  if (!parsed || typeof parsed !== 'object') return 'other';
  const event = parsed as { error?: unknown; choices?: Array<{ delta?: { content?: unknown; reasoning_content?: unknown } }> };
  if (event.error !== undefined) return 'error';
  const delta = event.choices?.[0]?.delta;
  if (!delta) return 'other';
  const has = (v: unknown): boolean => typeof v === 'string' && v !== '';
  return has(delta.content) || has(delta.reasoning_content) ? 'token' : 'other';
}
