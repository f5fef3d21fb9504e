import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { MoonshotStreamTransformer } from './transform-stream.js';
import type { CompletedTurn } from './transform-stream.js';

const fixtureDir = new URL('../../../fixtures/moonshot-wire/', import.meta.url);

function payloads(name: string): string[] {
  return readFileSync(new URL(`${name}.chunks.txt`, fixtureDir), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
}

/** Runs a fixture through the transformer and returns the JSON events it sent (and whether it ended with [DONE]). */
function run(name: string, clientWantsUsage: boolean, turns: CompletedTurn[] = []) {
  const t = new MoonshotStreamTransformer({ providerName: 'moonshot', clientWantsUsage, onTurnComplete: (turn) => turns.push(turn) });
  let out = '';
  for (const p of payloads(name)) out += t.onData(p);
  out += t.onData('[DONE]');
  out += t.finish();
  const events = out
    .split('\n\n')
    .filter((e) => e !== '')
    .map((e) => e.replace(/^data: /, ''));
  const done = events.at(-1) === '[DONE]';
  const json = events.filter((e) => e !== '[DONE]').map((e) => JSON.parse(e) as Record<string, any>);
  return { json, done, transformer: t };
}

const usageChunks = (json: Record<string, any>[]) => json.filter((c) => c.usage != null);

describe('MoonshotStreamTransformer', () => {
  it('ends with an error event, not silently, when an event nests too deep to rewrite or log (20,000 levels in usage)', () => {
    const t = new MoonshotStreamTransformer({ providerName: 'moonshot', clientWantsUsage: true, captureResponse: true });
    const out = t.onData('{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"x":' + '['.repeat(20_000) + ']'.repeat(20_000) + '}}');
    expect(out).toContain('moonshot: upstream sent a stream event nested more than 128 levels deep');
    expect(t.onData('[DONE]') + t.finish()).toBe('');
  });

  it('takes a tool call at any index without building an array that long (4294967294 held the event loop for minutes)', () => {
    const turns: CompletedTurn[] = [];
    const t = new MoonshotStreamTransformer({ providerName: 'moonshot', clientWantsUsage: false, captureResponse: true, onTurnComplete: (turn) => turns.push(turn) });
    const base = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'kimi-k2.6' };
    const call = { index: 4294967294, id: 't', type: 'function', function: { name: 'f', arguments: '{}' } };
    let out = t.onData(JSON.stringify({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '', tool_calls: [call] }, finish_reason: null }] }));
    out += t.onData(JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] }));
    out += t.onData('[DONE]');
    out += t.finish();
    expect(out).toContain('"index":4294967294');
    expect(t.assembled()?.choices[0]?.message.tool_calls).toEqual([{ id: 't', type: 'function', function: { name: 'f', arguments: '{}' } }]);
    expect(turns[0]?.toolCalls).toEqual([{ id: 't', name: 'f', arguments: '{}' }]);
  });

  it('moves choice usage into one usage chunk when the client asked', () => {
    const { json, done, transformer } = run('moonshotai-stream-choice-usage', true);
    expect(done).toBe(true);
    expect(json.every((c) => c.choices.every((ch: any) => ch.usage === undefined))).toBe(true);
    const usage = usageChunks(json);
    expect(usage).toHaveLength(1);
    expect(usage[0]!.choices).toEqual([]);
    expect(usage[0]!.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 });
    expect(usage[0]!.id).toBe('chatcmpl-6a8de8b0aa0c275363b2fc8a');
    expect(transformer.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 5, reasoning_tokens: 1 });
  });

  it('sends no usage at all when the client did not ask, but still reads it', () => {
    const { json, transformer } = run('moonshotai-usage-live', false);
    expect(usageChunks(json)).toHaveLength(0);
    expect(json.every((c) => c.choices.length > 0)).toBe(true);
    expect(transformer.usage?.prompt_tokens).toBeGreaterThan(0);
  });

  it('sends the upstream usage-only chunk exactly once, with the cached count in OpenAI’s place', () => {
    const { json } = run('moonshotai-max-completion-tokens', true);
    const usage = usageChunks(json);
    expect(usage).toHaveLength(1);
    expect(usage[0]!.usage.prompt_tokens_details.cached_tokens).toBe(89);
  });

  it('sends a usage-only chunk that needs no change as Moonshot’s own bytes, and rewrites one that does', () => {
    const usage = '"usage":{"prompt_tokens":10,"completion_tokens":2,"total_tokens":12,"cached_tokens":4,"prompt_tokens_details":{"cached_tokens":4},"x":1.0}';
    const whole = `{"id":"c","object":"chat.completion.chunk","created":1,"model":"kimi-k2.6","choices":[],${usage}}`;
    const t = new MoonshotStreamTransformer({ providerName: 'moonshot', clientWantsUsage: true });
    // Serialized again, 1.0 would be 1.
    expect(t.onData(whole)).toBe(`data: ${whole}\n\n`);
    const noObject = new MoonshotStreamTransformer({ providerName: 'moonshot', clientWantsUsage: true });
    const withoutObject = whole.replace('"object":"chat.completion.chunk",', '');
    expect(noObject.onData(withoutObject)).toBe(`data: ${JSON.stringify({ ...JSON.parse(withoutObject), object: 'chat.completion.chunk' })}\n\n`);
    const cachedOnTop = new MoonshotStreamTransformer({ providerName: 'moonshot', clientWantsUsage: true });
    expect(JSON.parse(cachedOnTop.onData(whole.replace(',"prompt_tokens_details":{"cached_tokens":4}', '')).slice(6)).usage.prompt_tokens_details).toEqual({ cached_tokens: 4 });
  });

  it('prefers the top-level usage when both come', () => {
    const { json, transformer } = run('moonshotai-stream-usage-precedence', true);
    expect(usageChunks(json)).toHaveLength(1);
    expect(usageChunks(json)[0]!.usage.prompt_tokens).toBe(99);
    expect(transformer.usage?.prompt_tokens).toBe(99);
  });

  it('moves top-level usage off a content chunk', () => {
    const { json } = run('moonshotai-stream', true);
    const usage = usageChunks(json);
    expect(usage).toHaveLength(1);
    expect(usage[0]!.choices).toEqual([]);
    expect(json.filter((c) => c.choices.length > 0).every((c) => c.usage === undefined)).toBe(true);
  });

  it('fills in tool-call index and type for indexless parallel calls', () => {
    const turns: CompletedTurn[] = [];
    const { json } = run('moonshotai-stream-indexless-tool-calls', false, turns);
    const deltas = json.flatMap((c) => c.choices.flatMap((ch: any) => ch.delta?.tool_calls ?? []));
    expect(deltas.map((d: any) => d.index)).toEqual([0, 1, 0, 1]);
    expect(deltas[0].type).toBe('function');
    expect(turns[0]!.toolCalls).toEqual([
      { id: 'weather_0', name: 'weather', arguments: '{"location":"San Francisco"}' },
      { id: 'time_1', name: 'time', arguments: '{"zone":"UTC"}' },
    ]);
  });

  it('handles argument deltas that come out of order and calls without type', () => {
    const turns: CompletedTurn[] = [];
    const { json } = run('moonshotai-stream-tool-calls', false, turns);
    const first = json[0]!.choices[0].delta.tool_calls;
    expect(first.map((d: any) => [d.index, d.type])).toEqual([
      [0, 'function'],
      [1, 'function'],
    ]);
    expect(json.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(turns[0]!.toolCalls.map((c) => c.arguments)).toEqual(['{"city":"Paris"}', '{"zone":"UTC"}']);
  });

  it('repairs a tool call whose index is a string', () => {
    const { json } = run('moonshotai-issue-19546-malformed', false);
    expect(json[0]!.choices[0].delta.tool_calls[0].index).toBe(0);
  });

  it('says tool_calls when a stream with tool calls finishes with "stop"', () => {
    const { json } = run('moonshotai-metadata-live', false);
    const finish = json.flatMap((c) => c.choices).find((ch: any) => ch.finish_reason);
    expect(finish.finish_reason).toBe('tool_calls');
  });

  it('passes unchanged events through byte for byte', () => {
    const t = new MoonshotStreamTransformer({ providerName: 'moonshot', clientWantsUsage: false });
    const [first, second] = payloads('moonshotai-usage-live');
    expect(t.onData(first!)).toBe(`data: ${first}\n\n`);
    expect(t.onData(second!)).toBe(`data: ${second}\n\n`);
  });

  it('gives a choice’s first delta a role when it has none', () => {
    const { json } = run('moonshotai-stream-usage-precedence', false);
    expect(json[0]!.choices[0].delta).toEqual({ role: 'assistant', content: 'OK' });
    expect(json[1]!.choices[0].delta.role).toBeUndefined();
  });

  it('keeps reasoning and content deltas in order', () => {
    const { json } = run('moonshotai-stream', false);
    const kinds = json.flatMap((c) => c.choices.map((ch: any) => (ch.delta.reasoning_content ? 'r' : ch.delta.content ? 'c' : '-')));
    expect(kinds).toEqual(['r', 'r', 'c', 'c']);
  });

  it('turns a mid-stream error into an OpenAI error event and stops', () => {
    const { json, done, transformer } = run('moonshotai-stream-error', true);
    expect(done).toBe(false);
    expect(json.at(-1)).toEqual({ error: { message: 'moonshot: Stream failed', type: 'server_error', code: 'stream_failure', param: null } });
    expect(json[0]!.choices[0].delta.content).toBe('Partial');
    expect(transformer.failed).toBe(true);
  });

  it('gives message-only errors a type', () => {
    const { json } = run('moonshotai-stream-error-message-only', false);
    expect(json[0]).toEqual({ error: { message: 'moonshot: Stream failed without details', type: 'api_error', code: null, param: null } });
  });

  it('reports a stream that ends without [DONE]', () => {
    const t = new MoonshotStreamTransformer({ providerName: 'moonshot', clientWantsUsage: false });
    t.onData(payloads('moonshotai-usage-live')[0]!);
    expect(JSON.parse(t.finish().slice(6))).toMatchObject({ error: { code: 'upstream_stream_incomplete' } });
  });

  it('reports an event that is not JSON', () => {
    const t = new MoonshotStreamTransformer({ providerName: 'moonshot', clientWantsUsage: false });
    expect(JSON.parse(t.onData('{not json').slice(6))).toMatchObject({ error: { code: 'invalid_upstream_response' } });
    expect(t.failed).toBe(true);
  });

  it.each([false, true])('reports the reasoning of a tool-calling turn (response bodies captured for the log: %s)', (captureResponse) => {
    const turns: CompletedTurn[] = [];
    const t = new MoonshotStreamTransformer({ providerName: 'moonshot', clientWantsUsage: false, captureResponse, onTurnComplete: (x) => turns.push(x) });
    const base = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'kimi-k2.6' };
    t.onData(JSON.stringify({ ...base, choices: [{ index: 0, delta: { role: 'assistant', reasoning_content: 'Need ' }, finish_reason: null }] }));
    t.onData(JSON.stringify({ ...base, choices: [{ index: 0, delta: { reasoning_content: 'weather.' }, finish_reason: null }] }));
    t.onData(JSON.stringify({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'get_weather:0', type: 'function', function: { name: 'get_weather', arguments: '' } }] }, finish_reason: null }] }));
    // The finishing chunk's own reasoning (if an upstream sends any there) belongs to the turn too.
    t.onData(JSON.stringify({ ...base, choices: [{ index: 0, delta: { reasoning_content: ' Done.', tool_calls: [{ index: 0, function: { arguments: '{"city":"Paris"}' } }] }, finish_reason: 'tool_calls' }] }));
    t.onData('[DONE]');
    expect(turns).toEqual([{ reasoning: 'Need weather. Done.', toolCalls: [{ id: 'get_weather:0', name: 'get_weather', arguments: '{"city":"Paris"}' }] }]);
    if (captureResponse) expect(t.assembled()?.choices[0]?.message.reasoning_content).toBe('Need weather. Done.');
  });

  it('reports a tool-calling turn when its finish_reason comes, not only at [DONE] (a client that stops reading there closes the stream first)', () => {
    const turns: CompletedTurn[] = [];
    const t = new MoonshotStreamTransformer({ providerName: 'moonshot', clientWantsUsage: false, onTurnComplete: (x) => turns.push(x) });
    const [role, call, args, finish, usage] = payloads('moonshotai-metadata-live');
    for (const p of [role, call, args]) t.onData(p!);
    expect(turns).toEqual([]);
    t.onData(finish!);
    expect(turns).toEqual([{ reasoning: '', toolCalls: [{ id: 'get_weather_0', name: 'get_weather', arguments: '{"city": "Paris"}' }] }]);
    t.onData(usage!);
    t.onData('[DONE]');
    expect(turns).toHaveLength(1);
  });

  describe('the reasoning a stream keeps', () => {
    // What a running stream holds is not visible from outside: read from the transformer's state.
    const held = (t: MoonshotStreamTransformer) => (t as unknown as { choices: Map<number, { reasoning?: string[] }> }).choices.get(0)?.reasoning;
    const reasoningStream = (t: MoonshotStreamTransformer) => {
      const base = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'kimi-k2.6' };
      t.onData(JSON.stringify({ ...base, choices: [{ index: 0, delta: { role: 'assistant', reasoning_content: 'One' }, finish_reason: null }] }));
      // Read without a parse, and parsed (a space): both paths keep what the other keeps.
      t.onData(JSON.stringify({ ...base, choices: [{ index: 0, delta: { reasoning_content: ' two' }, finish_reason: null }] }));
      t.onData(` ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { reasoning_content: ' three' }, finish_reason: null }] })}`);
    };

    it('is none when nothing will read it: no turn to remember, no log body', () => {
      const t = new MoonshotStreamTransformer({ providerName: 'moonshot', clientWantsUsage: false });
      reasoningStream(t);
      expect(held(t)).toBeUndefined();
    });

    it('is none when the log’s answer gathers it already', () => {
      const t = new MoonshotStreamTransformer({ providerName: 'moonshot', clientWantsUsage: false, captureResponse: true, onTurnComplete: () => {} });
      reasoningStream(t);
      expect(held(t)).toBeUndefined();
      expect(t.assembled()?.choices[0]?.message.reasoning_content).toBe('One two three');
    });

    it('is its pieces when a turn may be remembered and the log keeps no body', () => {
      const t = new MoonshotStreamTransformer({ providerName: 'moonshot', clientWantsUsage: false, onTurnComplete: () => {} });
      reasoningStream(t);
      expect(held(t)).toEqual(['One', ' two', ' three']);
    });
  });

  describe('events that only carry text, read without being parsed', () => {
    const streams = readdirSync(fixtureDir)
      .filter((name) => name.endsWith('.chunks.txt'))
      .map((name) => name.replace('.chunks.txt', ''));

    /**
     * Everything a stream's transformer gives out: the bytes sent, the log's answer, usage, turns,
     * failure. `spaced`: every event comes with a leading space, still JSON but no event the fast
     * path reads, so each is parsed; the space, passed on in an unchanged event, is taken out.
     */
    function everything(events: string[], captureResponse: boolean, spaced = false) {
      const turns: CompletedTurn[] = [];
      const t = new MoonshotStreamTransformer({ providerName: 'moonshot', clientWantsUsage: true, captureResponse, onTurnComplete: (turn) => turns.push(turn) });
      let sent = '';
      for (const e of events) sent += t.onData(spaced ? ` ${e}` : e);
      sent += t.onData('[DONE]');
      sent += t.finish();
      if (spaced) sent = sent.replaceAll('data:  ', 'data: ');
      return { sent, assembled: t.assembled(), usage: t.usage, turns, failure: t.failure };
    }

    it.each(streams.flatMap((name) => [[name, false] as const, [name, true] as const]))('%s (bodies logged: %s) comes out as when every event is parsed', (name, captureResponse) => {
      const events = payloads(name);
      expect(everything(events, captureResponse)).toEqual(everything(events, captureResponse, true));
    });

    it.each([false, true])('comes out as parsed when the stream’s id came first on a usage chunk, its role and finish without one (bodies logged: %s)', (captureResponse) => {
      const text = (field: string, value: string) => JSON.stringify({ id: 'c2', object: 'chat.completion.chunk', created: 2, model: 'kimi-k2.6', choices: [{ index: 0, delta: { [field]: value }, finish_reason: null }] });
      const events = [
        '{"id":"c1","object":"chat.completion.chunk","created":1,"model":"kimi-k2.6","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":0,"total_tokens":1}}',
        '{"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}',
        text('reasoning_content', 'Hm.'),
        text('content', 'Hi'),
        '{"object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}',
      ];
      const result = everything(events, captureResponse);
      expect(result).toEqual(everything(events, captureResponse, true));
      if (captureResponse) expect(result.assembled).toMatchObject({ id: 'c2', created: 2, choices: [{ message: { content: 'Hi', reasoning_content: 'Hm.' } }] });
    });

    const textEvent = JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'kimi-k2.6', choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: null }] });

    it.each([
      ['a first event with no id (the usage chunk made at the end takes the id from the text)', '{"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}'],
      ['a first event with a null id', '{"id":null,"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}'],
      ['a first event with no delta (the text’s delta gets the role)', '{"id":"c1","object":"chat.completion.chunk","created":1,"model":"kimi-k2.6","choices":[{"index":0,"finish_reason":null}]}'],
    ])('comes out as parsed after %s', (_, first) => {
      const finish = '{"choices":[{"index":0,"delta":{},"finish_reason":"stop","usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}]}';
      const events = [first, textEvent, textEvent, finish];
      for (const captureResponse of [false, true]) {
        const result = everything(events, captureResponse);
        expect(result).toEqual(everything(events, captureResponse, true));
        expect(result.sent).toContain('"id":"c1"');
      }
    });

    it('parses the live stream’s first event and its last two, not its reasoning and content', () => {
      const events = payloads('moonshotai-usage-live');
      const parse = vi.spyOn(JSON, 'parse');
      try {
        const t = new MoonshotStreamTransformer({ providerName: 'moonshot', clientWantsUsage: true, captureResponse: true });
        for (const e of events) t.onData(e);
        // Whole events parsed; the four texts with an escaped quote are decoded on their own.
        expect(parse.mock.calls.filter(([text]) => text.startsWith('{'))).toHaveLength(3);
        expect(parse.mock.calls.filter(([text]) => text.startsWith('"'))).toHaveLength(4);
        expect(events.length).toBeGreaterThan(10);
        expect(t.assembled()?.choices[0]?.message.content).toBe('OK');
      } finally {
        parse.mockRestore();
      }
    });
  });
});
