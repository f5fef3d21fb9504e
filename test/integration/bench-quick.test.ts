import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runQuickBench } from '../helpers/quick-bench.js';

/**
 * Proves the benchmark harness works end to end (`npm run bench -- --quick`): it compiles, starts
 * the simulator, the TCP relay, the baseline proxy and the built gateway, runs every scenario
 * briefly and writes JSON with a number for each. No timing is asserted: this machine is shared and noisy.
 */

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

const isNum = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);

describe('npm run bench -- --quick', () => {
  it('runs every scenario against direct, the TCP relay, baseline and Moongate and writes the JSON', async () => {
    // 16 MB is V8's default largest semi-space here: a flag that reaches Moongate and changes nothing.
    const { stdout, results: r } = await runQuickBench('run.js', 100_000, ['--node-flags=--max-semi-space-size=16']);
    expect(stdout).toContain('| metric |');
    // Read back from the running process's command line, not from the option.
    expect(r.moongate_node_flags).toEqual(['--max-semi-space-size=16']);
    expect(stdout).toContain('with node flags --max-semi-space-size=16.');

    expect(r.quick).toBe(true);
    expect(r.targets).toEqual(['direct', 'relay', 'baseline', 'moongate']);
    const s = r.scenarios;
    expect(Object.keys(s).sort()).toEqual(
      ['idle_startup', 'latency_1conn', 'latency_1conn_large', 'log_records', 'stream_interchunk', 'stream_ttfc', 'streams_2000', 'throughput_50conn'].sort(),
    );

    for (const name of ['direct', 'relay', 'baseline', 'moongate']) {
      const lat = s.latency_1conn.targets[name];
      const large = s.latency_1conn_large.targets[name];
      const ttfc = s.stream_ttfc.targets[name];
      const gaps = s.stream_interchunk.targets[name];
      const tp = s.throughput_50conn.targets[name];
      const burst = s.streams_2000.targets[name];
      for (const v of [lat.p50, lat.p99, large.p50, large.p99, ttfc.p50, ttfc.p99, gaps.p50, gaps.p99, tp.rps, burst.streams, burst.errors, burst.wall_s]) expect(isNum(v), name).toBe(true);
      if (name !== 'direct') {
        for (const v of [lat.added_p50, lat.added_p99, large.added_p50, ttfc.added_p50, gaps.added_p99, burst.peak_rss_mb]) expect(isNum(v), name).toBe(true);
      }
    }
    for (const name of ['relay', 'baseline', 'moongate']) {
      expect(isNum(s.idle_startup.targets[name].ready_ms)).toBe(true);
      expect(isNum(s.idle_startup.targets[name].idle_rss_mb)).toBe(true);
    }
    for (const v of [s.throughput_50conn.ratio_rps, s.streams_2000.ratio_rss, s.idle_startup.ratio_idle_rss]) expect(isNum(v)).toBe(true);
    // Traffic really went through the relay: its process worked (~50 ms of CPU over these three
    // scenarios; /proc counts in 10 ms ticks, so one scenario alone could read 0). A relay target
    // pointed past it, at the simulator, would leave it idle.
    const relayCpu = [s.latency_1conn.cpu_us_per_req?.relay, s.latency_1conn_large.cpu_us_per_req?.relay, s.throughput_50conn.targets.relay.cpu_us_per_req];
    expect(relayCpu.some((v) => isNum(v) && v > 0), `relay CPU µs per request: ${relayCpu.join(', ')}`).toBe(true);
    // Moongate reports its own time per request (server-timing), and it is part of what the client waited.
    for (const scenario of [s.latency_1conn, s.latency_1conn_large]) {
      expect(isNum(scenario.moongate_own_ms?.p50)).toBe(true);
      expect(scenario.moongate_own_ms.p50).toBeLessThan(scenario.targets.moongate.p50);
    }

    // Logs: n/a until the gateway serves GET /v1/logs; then a count for each side.
    expect(typeof s.log_records.available).toBe('boolean');
    if (s.log_records.available) {
      expect(isNum(s.log_records.requests)).toBe(true);
      expect(s.log_records.records === null || isNum(s.log_records.records), s.log_records.note).toBe(true);
    } else {
      expect(s.log_records.note).toBeTruthy();
    }

    expect(r.checks.length).toBeGreaterThanOrEqual(9);
  }, 150_000);

  it('refuses --node-flags that are not flags, before starting anything', async () => {
    const script = join(root, 'node_modules/.cache/moongate-bench/run.js');
    const failed = await run(process.execPath, [script, '--quick', '--node-flags=max-semi-space-size=16'], { cwd: root, timeout: 20_000 }).then(
      () => undefined,
      (err: { code?: number; stderr?: string }) => err,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain('--node-flags: max-semi-space-size=16 is not a node flag');
  }, 30_000);
});
