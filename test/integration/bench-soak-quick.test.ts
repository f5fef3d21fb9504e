import { describe, expect, it } from 'vitest';
import { runQuickBench } from '../helpers/quick-bench.js';
import type { MixedKindCounts as Counts } from '../../bench/lib/protocol.js';

/**
 * Proves the soak works end to end (`npm run bench:soak -- --quick`): the built gateway and the
 * baseline proxy, each with the heap probe, take every kind of the mix and answer as they should,
 * each phase ends in a reading, and Moongate logs every request. No growth or timing is asserted:
 * a few seconds of load say nothing about a leak.
 */
describe('npm run bench:soak -- --quick', () => {
  it('sends the mix to the baseline and Moongate, reads their live heaps, and counts the log records', async () => {
    const { stdout, results: r } = await runQuickBench('soak.js', 100_000);
    expect(stdout).toContain('| after phase |');

    expect(r.quick).toBe(true);
    expect(Object.keys(r.targets).sort()).toEqual(['baseline', 'moongate']);
    for (const name of ['baseline', 'moongate']) {
      const t = r.targets[name];
      expect(t.readings).toHaveLength(r.params.phases);
      for (const reading of t.readings) {
        expect(reading.live_heap_bytes).toBeGreaterThan(1e6);
        expect(reading.rss_bytes).toBeGreaterThan(reading.live_heap_bytes);
      }
      // Cumulative, and every phase sent some.
      const sent = t.readings.map((x: { requests: number }) => x.requests);
      for (let i = 1; i < sent.length; i++) expect(sent[i]).toBeGreaterThan(sent[i - 1]);
      expect(t.requests).toBe(sent.at(-1));
    }

    // Moongate took each kind the way it should.
    const k = r.targets.moongate.kinds as Record<string, Counts>;
    const only = (c: Counts | undefined, status: string) => {
      expect(c, 'kind never sent').toBeDefined();
      expect(c!.items).toBeGreaterThan(0);
      expect(Object.keys(c!.status), JSON.stringify(c)).toEqual([status]);
      expect(c!.failed, c!.samples.join(' | ')).toBe(0);
    };
    only(k.json, '200');
    only(k.stream, '200');
    // The same through the OpenAI-compatible provider (a provider of that type pointed at the simulator).
    only(k.compat_json, '200');
    only(k.compat_stream, '200');
    only(k.long_conversation, '200');
    only(k.upstream_400, '400');
    only(k.malformed_json, '400');
    only(k.unknown_model, '404');
    // Kimi's tool round trip: the gateway put the reasoning back, so the second turn is accepted.
    only(k.tool_round_trip, '200');
    expect(k.stream_client_abort!.aborted).toBeGreaterThan(0);
    // Upstream failures go to an alias of their own, whose breaker opens after a few: what reaches
    // the upstream fails as it should, the rest is told the deployments are resting (503).
    const within = (c: Counts | undefined, statuses: string[]) => {
      expect(c!.failed, c!.samples.join(' | ')).toBe(0);
      for (const s of Object.keys(c!.status)) expect(statuses, JSON.stringify(c)).toContain(s);
      return Object.entries(c!.status).filter(([s]) => s !== '503').reduce((n, [, v]) => n + v, 0);
    };
    const reachedUpstream =
      within(k.upstream_500, ['500', '503']) + within(k.upstream_garbage, ['502', '503']) + within(k.stream_error_event, ['200', '503']) + within(k.stream_cut, ['200', '503']);
    expect(reachedUpstream).toBeGreaterThan(0);
    expect(k.stream_error_event!.errorEvents).toBe(k.stream_error_event!.status['200'] ?? 0);
    expect(k.stream_cut!.errorEvents).toBe(k.stream_cut!.status['200'] ?? 0);
    // The baseline forwards the tool turn as the client sent it: Moongate's simulator refuses it, as Kimi does.
    expect(Object.keys((r.targets.baseline.kinds as Record<string, Counts>).tool_round_trip!.status)).toEqual(['400']);

    // Every request Moongate was sent (its headers written) has its log record, the refused and
    // the abandoned included.
    const l = r.log_records;
    expect(l.requests).toBe(r.targets.moongate.requests);
    expect(l.records, l.note).toBe(l.requests);
    expect(l.none_lost).toBe(true);
  }, 150_000);
});
