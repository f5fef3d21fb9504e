import { readdirSync, readFileSync } from 'node:fs';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

/**
 * Every captured Moonshot response in fixtures/moonshot-wire/, replayed byte for byte by the
 * simulator and read through the gateway by the openai SDK: the client must see valid OpenAI output.
 */
const dir = new URL('../../fixtures/moonshot-wire/', import.meta.url);
const files = readdirSync(dir);
const streamFixtures = files.filter((f) => f.endsWith('.chunks.txt')).map((f) => f.slice(0, -'.chunks.txt'.length));
const jsonFixtures = files.filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length));

const payloads = (name: string): any[] =>
  readFileSync(new URL(`${name}.chunks.txt`, dir), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const request = (name: string) => ({
  model: 'moonshot/kimi-k3',
  messages: [{ role: 'user' as const, content: `[[sim:fixture=${name}]]` }],
});

describe('stream fixtures through the gateway', () => {
  it('covers every stream fixture', () => {
    expect(streamFixtures.length).toBeGreaterThanOrEqual(20);
  });

  for (const name of streamFixtures) {
    it(name, async () => {
      const upstream = payloads(name);
      const errorAt = upstream.findIndex((p) => p.error);
      const upstreamHasUsage = upstream.some((p) => p.usage || p.choices?.some((c: any) => c.usage));
      const finished = upstream.some((p) => p.choices?.some((c: any) => c.finish_reason));

      const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
      let thrown: unknown;
      try {
        const stream = await stack.client.chat.completions.create({ ...request(name), stream: true, stream_options: { include_usage: true } });
        for await (const chunk of stream) chunks.push(chunk);
      } catch (err) {
        thrown = err;
      }

      if (errorAt >= 0) {
        // An error before anything was sent comes back as an HTTP error; after, as an error event.
        expect(thrown).toBeInstanceOf(OpenAI.APIError);
        expect((thrown as Error).message).toContain(`moonshot: ${upstream[errorAt].error.message}`);
        expect(chunks).toHaveLength(upstream.slice(0, errorAt).length);
        if (errorAt === 0) expect((thrown as InstanceType<typeof OpenAI.APIError>).status).toBeGreaterThanOrEqual(400);
        return;
      }
      expect(thrown).toBeUndefined();
      for (const chunk of chunks) {
        expect(chunk.object).toBe('chat.completion.chunk');
        for (const choice of chunk.choices) {
          expect((choice as { usage?: unknown }).usage).toBeUndefined();
          for (const call of choice.delta.tool_calls ?? []) expect(Number.isInteger(call.index)).toBe(true);
        }
      }
      const withUsage = chunks.filter((c) => c.usage);
      expect(withUsage).toHaveLength(upstreamHasUsage ? 1 : 0);
      if (upstreamHasUsage) {
        expect(withUsage[0]!.choices).toEqual([]);
        expect(chunks.at(-1)).toBe(withUsage[0]);
      }

      if (finished) {
        // The SDK's own assembler is the strictest reader: it needs index, type, role and finish_reason.
        const final = await stack.client.chat.completions.stream({ ...request(name), stream: true }).finalChatCompletion();
        expect(final.choices[0]!.finish_reason).toBeTruthy();
        const calls = final.choices[0]!.message.tool_calls ?? [];
        for (const call of calls) {
          if (call.type !== 'function') throw new Error('tool call without type function');
          expect(() => JSON.parse(call.function.arguments)).not.toThrow();
        }
      }
    });
  }
});

describe('JSON fixtures through the gateway', () => {
  for (const name of jsonFixtures) {
    it(name, async () => {
      const upstream = JSON.parse(readFileSync(new URL(`${name}.json`, dir), 'utf8'));
      if (upstream.error) {
        const err = await stack.client.chat.completions.create(request(name)).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(OpenAI.APIError);
        const apiError = err as InstanceType<typeof OpenAI.APIError>;
        expect(apiError.status).toBeGreaterThanOrEqual(400);
        expect(apiError.message).toContain(`moonshot: ${upstream.error.message}`);
        if (upstream.error.type) expect(apiError.type).toBe(upstream.error.type);
        return;
      }
      const data = await stack.client.chat.completions.create(request(name));
      expect(data.id).toBe(upstream.id);
      expect(data.choices[0]!.message.content).toBe(upstream.choices[0].message.content);
      expect((data.choices[0]!.message as { reasoning_content?: string }).reasoning_content).toBe(upstream.choices[0].message.reasoning_content);
      expect(data.usage!.prompt_tokens).toBe(upstream.usage.prompt_tokens);
      expect(data.usage!.completion_tokens).toBe(upstream.usage.completion_tokens);
      const cached = upstream.usage.prompt_tokens_details?.cached_tokens ?? upstream.usage.cached_tokens;
      if (cached !== undefined) expect(data.usage!.prompt_tokens_details?.cached_tokens).toBe(cached);
      for (const call of data.choices[0]!.message.tool_calls ?? []) expect(call.type).toBe('function');
      if (upstream.choices[0].message.tool_calls) expect(data.choices[0]!.finish_reason).toBe('tool_calls');
    });
  }
});

/** What the gateway must edit in a Moonshot answer before OpenAI clients read it (docs/moonshot.md). */
function needsEditing(answer: any): boolean {
  if (answer.object === undefined) return true;
  const usage = answer.usage;
  if (typeof usage?.cached_tokens === 'number' && typeof usage.prompt_tokens_details?.cached_tokens !== 'number') return true;
  return answer.choices.some((c: any) => {
    const calls = c.message?.tool_calls;
    if (!Array.isArray(calls) || calls.length === 0) return false;
    return c.finish_reason === 'stop' || calls.some((call: any) => call.type === undefined);
  });
}

describe('JSON answers the gateway leaves alone', () => {
  const answers = jsonFixtures.map((name) => ({ name, text: readFileSync(new URL(`${name}.json`, dir), 'utf8') })).filter(({ text }) => !JSON.parse(text).error);

  it('has fixtures of both kinds', () => {
    expect(answers.filter(({ text }) => needsEditing(JSON.parse(text))).length).toBeGreaterThanOrEqual(1);
    expect(answers.filter(({ text }) => !needsEditing(JSON.parse(text))).length).toBeGreaterThanOrEqual(10);
  });

  for (const { name, text } of answers) {
    it(`${name}: ${needsEditing(JSON.parse(text)) ? 'edited, and serialized again' : 'reach the client as Moonshot’s bytes'}`, async () => {
      const res = await stack.client.chat.completions.create(request(name)).asResponse();
      expect(res.status).toBe(200);
      const received = await res.text();
      // The captures are pretty-printed; an answer serialized again by the gateway is not.
      if (needsEditing(JSON.parse(text))) {
        expect(received).not.toBe(text);
        expect(needsEditing(JSON.parse(received))).toBe(false);
      } else {
        expect(received).toBe(text);
      }
    });
  }
});
