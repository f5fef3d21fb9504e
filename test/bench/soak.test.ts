import { describe, expect, it } from 'vitest';
import { growthPerRequest } from '../../bench/lib/soak-growth.js';
import { SOAK_MIX, soakOrder, toolResultsBody } from '../../bench/lib/soak-mix.js';

describe('growthPerRequest', () => {
  it('fits the live heap against requests served', () => {
    const leak = [0, 10_000, 20_000, 30_000].map((requests) => ({ requests, live_heap_bytes: 20 * 2 ** 20 + requests * 150 }));
    expect(growthPerRequest(leak)).toEqual({ first_mb: 20, last_mb: 24.3, requests: 30_000, bytes_per_1000_requests: 150_000 });
  });

  it('weighs every reading, not only the ends', () => {
    const mb = 2 ** 20;
    // Flat, then 1 MB more at the last reading: the ends alone say 35 bytes a request (1 MB over
    // 30,000), the fit 31 (15,000 MB·requests over 5e8 requests²).
    const readings = [0, 0, 0, 1].map((extra, i) => ({ requests: i * 10_000, live_heap_bytes: (20 + extra) * mb }));
    const g = growthPerRequest(readings);
    expect(g.last_mb - g.first_mb).toBe(1);
    expect(g.bytes_per_1000_requests).toBe(31_457);
  });

  it('has no slope from one reading, and refuses none', () => {
    expect(growthPerRequest([{ requests: 5, live_heap_bytes: 2 ** 20 }]).bytes_per_1000_requests).toBe(0);
    expect(() => growthPerRequest([])).toThrow(/no readings/);
  });
});

describe('the soak mix', () => {
  it('sends every kind as often as its weight, interleaved', () => {
    const order = soakOrder();
    const total = SOAK_MIX.reduce((s, k) => s + k.weight, 0);
    expect(order).toHaveLength(total);
    for (const kind of SOAK_MIX) expect(order.filter((k) => k === kind)).toHaveLength(kind.weight);
    // Interleaved, not in runs: no kind comes more than twice in a row.
    let run = 1;
    for (let i = 1; i < order.length; i++) {
      run = order[i] === order[i - 1] ? run + 1 : 1;
      expect(run, `${order[i]!.name} at ${i}`).toBeLessThanOrEqual(2);
    }
  });

  it('makes every prompt new, and the tool conversations few', () => {
    const json = SOAK_MIX.find((k) => k.name === 'json')!;
    expect(json.body('kimi', 1)).not.toBe(json.body('kimi', 2));
    // As the load sends them: item n is the kind at n in the order, whose length is a multiple of 8.
    const order = soakOrder();
    const tools = SOAK_MIX.find((k) => k.name === 'tool_round_trip')!;
    const sent = Array.from({ length: order.length * 8 }, (_, n) => n).filter((n) => order[n % order.length] === tools);
    const bodies = new Set(sent.map((n) => tools.body('kimi', n)));
    expect(bodies.size).toBe(8);
    // Each slot of the kind in the cycle goes through all eight.
    const firstSlot = sent[0]!;
    expect(new Set(Array.from({ length: 8 }, (_, k) => tools.body('kimi', firstSlot + k * order.length))).size).toBe(8);
  });

  it('builds the tool turn as an OpenAI client keeps it: no reasoning_content, one result per call', () => {
    const tools = SOAK_MIX.find((k) => k.name === 'tool_round_trip')!;
    const first = tools.body('kimi', 3);
    const next = JSON.parse(toolResultsBody(first, { content: '', tool_calls: [{ id: 'get_weather_0' }] })) as { messages: Record<string, unknown>[]; tools: unknown[] };
    const [assistant, result] = next.messages.slice(-2);
    expect(assistant).toEqual({ role: 'assistant', content: '', tool_calls: [{ id: 'get_weather_0' }] });
    expect(assistant).not.toHaveProperty('reasoning_content');
    expect(result).toMatchObject({ role: 'tool', tool_call_id: 'get_weather_0' });
    expect(next.tools).toEqual(JSON.parse(first).tools);
  });

  it('sends a malformed body that no JSON parser accepts', () => {
    const bad = SOAK_MIX.find((k) => k.name === 'malformed_json')!;
    expect(() => JSON.parse(bad.body('kimi', 1))).toThrow();
  });
});
