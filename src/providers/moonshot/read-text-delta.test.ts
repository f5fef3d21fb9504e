import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readTextDelta } from './read-text-delta.js';

const fixtureDir = new URL('../../../fixtures/moonshot-wire/', import.meta.url);
const fixtureEvents = readdirSync(fixtureDir)
  .filter((name) => name.endsWith('.chunks.txt'))
  .flatMap((name) =>
    readFileSync(new URL(name, fixtureDir), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== ''),
  );

const head = '{"id":"chatcmpl-6a8f155e306809f7d1392df4","object":"chat.completion.chunk","created":1787762014,"model":"kimi-k3","choices":[{"index":0,"delta":';
const event = (delta: Record<string, unknown>, tail = ',"finish_reason":null}],"system_fingerprint":"fpv0_53b4f6c1"}') => `${head}${JSON.stringify(delta)}${tail}`;

/**
 * What the full parse makes of an event the fast path read: the same text, and nothing else in it
 * that the transformer would have to change or keep.
 */
function fullParseOf(data: string): { field: string; text: string } | 'something else' {
  const chunk = JSON.parse(data) as Record<string, any>;
  const { id, object, created, model, choices, system_fingerprint, usage, ...rest } = chunk;
  if (Object.keys(rest).length > 0 || usage != null || object !== 'chat.completion.chunk' || choices.length !== 1) return 'something else';
  if (typeof id !== 'string' || typeof model !== 'string' || typeof created !== 'number' || !['string', 'undefined'].includes(typeof system_fingerprint)) return 'something else';
  const { index, delta, finish_reason, ...choiceRest } = choices[0];
  if (Object.keys(choiceRest).length > 0 || index !== 0 || finish_reason !== null) return 'something else';
  const fields = Object.keys(delta);
  if (fields.length !== 1 || !['content', 'reasoning_content'].includes(fields[0]!) || typeof delta[fields[0]!] !== 'string') return 'something else';
  return { field: fields[0]!, text: delta[fields[0]!] };
}

describe('readTextDelta', () => {
  it('reads the text of the live captures’ reasoning and content events, as the full parse does', () => {
    const read = fixtureEvents.map((data) => [data, readTextDelta(data)] as const).filter(([, delta]) => delta !== undefined);
    // Every live stream has them: reasoning and content, with and without a fingerprint, and `usage: null`.
    expect(read.length).toBeGreaterThanOrEqual(29);
    expect(new Set(read.map(([, d]) => d!.field))).toEqual(new Set(['content', 'reasoning_content']));
    for (const [data, delta] of read) expect(delta).toEqual(fullParseOf(data));
  });

  it('leaves to the full parse only the captured events that carry something besides text: role, finish, usage, tool calls, logprobs, errors', () => {
    const left = fixtureEvents.filter((data) => readTextDelta(data) === undefined);
    expect(left.length).toBeGreaterThan(40);
    for (const data of left) expect([data, fullParseOf(data)]).toEqual([data, 'something else']);
  });

  it.each([
    ['', ''],
    ['plain words', 'plain words'],
    ['a "quoted" \\ backslash', 'a "quoted" \\ backslash'],
    ['lines\nand\ttabs\r\n', 'lines\nand\ttabs\r\n'],
    ['café, 月, 🌙', 'café, 月, 🌙'],
    ['\u2028 line separator, \u0000 nul', '\u2028 line separator, \u0000 nul'],
  ])('decodes the text %j', (text, expected) => {
    expect(readTextDelta(event({ content: text }))).toEqual({ field: 'content', text: expected });
    expect(readTextDelta(event({ reasoning_content: text }))).toEqual({ field: 'reasoning_content', text: expected });
  });

  it('reads events of up to 1,024 characters, and leaves longer ones to the parse', () => {
    const fill = (n: number) => event({ content: 'y'.repeat(n - event({ content: '' }).length) });
    expect(fill(1024)).toHaveLength(1024);
    expect(readTextDelta(fill(1024))?.text).toHaveLength(1024 - event({ content: '' }).length);
    expect(readTextDelta(fill(1025))).toBeUndefined();
  });

  it('decodes escapes Moonshot may write for characters JSON.stringify writes as they are', () => {
    const data = `${head}{"content":"caf\\u00e9 \\ud83c\\udf19 \\/ \\b\\f"}` + ',"finish_reason":null}]}';
    expect(readTextDelta(data)).toEqual({ field: 'content', text: 'café 🌙 / \b\f' });
  });

  it.each([
    ['a role', event({ role: 'assistant', content: '' })],
    ['two fields', event({ content: 'a', reasoning_content: 'b' })],
    ['tool calls', event({ tool_calls: [{ index: 0, function: { arguments: '{}' } }] })],
    ['a text that is not a string', event({ content: null })],
    ['a finish reason', event({ content: 'x' }, ',"finish_reason":"stop"}]}')],
    ['usage on the chunk', event({ content: 'x' }, ',"finish_reason":null}],"usage":{"prompt_tokens":1}}')],
    ['usage in the choice', event({ content: 'x' }, ',"finish_reason":null,"usage":{"prompt_tokens":1}}]}')],
    ['logprobs', event({ content: 'x' }, ',"logprobs":null,"finish_reason":null}]}')],
    ['a second choice', event({ content: 'x' }, ',"finish_reason":null},{"index":1,"delta":{"content":"y"},"finish_reason":null}]}')],
    ['another key after the fingerprint', event({ content: 'x' }, ',"finish_reason":null}],"system_fingerprint":"f","service_tier":"x"}')],
    ['choice 1', event({ content: 'x' }).replace('"index":0', '"index":1')],
    ['no object field', event({ content: 'x' }).replace('"object":"chat.completion.chunk",', '')],
    ['a space', event({ content: 'x' }).replace('"created":', '"created": ')],
    ['keys in another order', event({ content: 'x' }).replace('"created":1787762014,"model":"kimi-k3"', '"model":"kimi-k3","created":1787762014')],
    ['an escape in the id', event({ content: 'x' }).replace('chatcmpl-', 'chat\\"cmpl-')],
    ['a number JSON does not have', event({ content: 'x' }).replace('"created":', '"created":0')],
    ['a raw control character in the model', event({ content: 'x' }).replace('kimi-k3', 'kimi\tk3')],
    ['an escape JSON does not have', `${head}{"content":"\\x41"},"finish_reason":null}]}`],
    ['a short \\u escape', `${head}{"content":"\\u00e"},"finish_reason":null}]}`],
    ['a raw control character', `${head}{"content":"a\u0001b"},"finish_reason":null}]}`],
    ['a raw line break', `${head}{"content":"a\nb"},"finish_reason":null}]}`],
    ['an unescaped quote', `${head}{"content":"a"b"},"finish_reason":null}]}`],
    ['a dangling backslash', `${head}{"content":"a\\"},"finish_reason":null}]}`],
    ['text after the object', `${event({ content: 'x' })} `],
    ['an error', '{"error":{"message":"x","type":"server_error"}}'],
  ])('leaves an event with %s to the full parse', (_, data) => {
    expect(readTextDelta(data)).toBeUndefined();
  });

  it('reads an event only when the full parse finds that text and nothing else in it (edits of real events)', () => {
    // One character changed, added or removed anywhere in real events: the fast path must never
    // read what the full parse would read differently, or reject.
    const samples = fixtureEvents.filter((data) => readTextDelta(data) !== undefined).slice(0, 6);
    samples.push(event({ content: 'a "q" \\ \n é 🌙' }));
    const replacements = ['"', '\\', ',', ':', '{', '}', '[', ']', ' ', '\t', '\n', '0', '1', '-', '.', 'e', 'x', 'u', 'é'];
    let read = 0;
    for (const data of samples) {
      for (let i = 0; i < data.length; i++) {
        const edits = [data.slice(0, i) + data.slice(i + 1), ...replacements.flatMap((r) => [data.slice(0, i) + r + data.slice(i + 1), data.slice(0, i) + r + data.slice(i)])];
        for (const edited of edits) {
          const delta = readTextDelta(edited);
          if (delta === undefined) continue;
          read++;
          expect(delta).toEqual(fullParseOf(edited));
        }
      }
    }
    expect(read).toBeGreaterThan(1000);
  });
});
