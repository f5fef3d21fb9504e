import { describe, expect, it } from 'vitest';
import { bodyToSend, serializeEdited } from './serialize-edited-json.js';

type Json = Record<string, unknown>;

/** The client's text, what it parsed to, and the bytes sent for `edit(parsed)`. */
function send(text: string, edit: (parsed: Json) => unknown): { out: string | undefined; parsed: Json; after: unknown } {
  const parsed = JSON.parse(text) as Json;
  const after = edit(parsed);
  return { out: serializeEdited(Buffer.from(text), parsed, after)?.toString(), parsed, after };
}

describe('serializeEdited', () => {
  it('gives the client bytes back untouched when nothing changed', () => {
    const text = ' { "model" : "m",\n "temperature": 1.0, "seed": 12345678901234567890 } ';
    expect(send(text, (p) => p).out).toBe(text.trim());
  });

  it('replaces the model and keeps every other byte, number spellings included', () => {
    const text = '{"model":"moonshot/kimi-k2.6","messages":[ {"role":"user","content":"hi"} ],"temperature":1.0,"seed":12345678901234567890}';
    const { out } = send(text, (p) => ({ ...p, model: 'kimi-k2.6' }));
    expect(out).toBe('{"model":"kimi-k2.6","messages":[ {"role":"user","content":"hi"} ],"temperature":1.0,"seed":12345678901234567890}');
  });

  it('leaves out removed and undefined members and adds new ones, in the edit’s key order', () => {
    const text = '{"model":"a","max_tokens":5,"temperature":0.50,"messages":[]}';
    const { out } = send(text, (p) => {
      const after: Json = { ...p, model: 'b', max_completion_tokens: p.max_tokens };
      after.max_tokens = undefined;
      delete after.temperature;
      return after;
    });
    expect(out).toBe('{"model":"b","messages":[],"max_completion_tokens":5}');
  });

  it('serializes only the edited message of a conversation, and appended ones', () => {
    const text = '{"model":"a","messages":[{"role":"user","content":"1.0 \\" } ] { [ \\\\"},  {"role":"developer" ,"content":"x"},{"role":"user","content":"y","n":1.50}]}';
    const { out, after } = send(text, (p) => {
      const messages = p.messages as Json[];
      return { ...p, messages: [messages[0], { ...messages[1], role: 'system' }, messages[2], { role: 'user', content: 'go' }] };
    });
    expect(out).toBe(
      '{"model":"a","messages":[{"role":"user","content":"1.0 \\" } ] { [ \\\\"},{"role":"system","content":"x"},{"role":"user","content":"y","n":1.50},{"role":"user","content":"go"}]}',
    );
    expect(JSON.parse(out!)).toEqual(after);
  });

  it('leaves out members of the body it was not given (the gateway’s own fields)', () => {
    const text = '{"model":"a","metadata":{"team":"x"},"messages":[]}';
    const parsed = JSON.parse(text) as Json;
    const forward = { ...parsed };
    delete forward.metadata;
    const out = serializeEdited(Buffer.from(text), forward, { ...forward, model: 'b' });
    expect(out?.toString()).toBe('{"model":"b","messages":[]}');
  });

  it('declines what it cannot copy plainly', () => {
    // A key given twice in an object being edited: which one JSON.parse kept would be guesswork.
    expect(send('{"model":"a","model":"b","messages":[]}', (p) => ({ ...p, model: 'c' })).out).toBeUndefined();
    // A key spelled with escapes.
    expect(send('{"mod\\u0065l":"a","messages":[]}', (p) => ({ ...p, model: 'c' })).out).toBeUndefined();
    // Not UTF-8 (Node's decoder would have replaced the byte; the bytes must not go out as they are).
    const bad = Buffer.concat([Buffer.from('{"model":"a","messages":[{"role":"user","content":"'), Buffer.from([0xff]), Buffer.from('"}]}')]);
    const parsed = JSON.parse(bad.toString()) as Json;
    expect(serializeEdited(bad, parsed, { ...parsed, model: 'c' })).toBeUndefined();
  });

  it('declines a repeated or escaped key anywhere it would send the client bytes', () => {
    // The gateway read the last `include_usage`; an upstream that keeps the first must not see another.
    const usage = '{"model":"a","stream_options":{"include_usage":false,"include_usage":true},"messages":[]}';
    expect(send(usage, (p) => ({ ...p, model: 'b' })).out).toBeUndefined();
    const role = '{"model":"a","messages":[{"role":"developer","content":"x","role":"user"}]}';
    expect(send(role, (p) => ({ ...p, model: 'b' })).out).toBeUndefined();
    const escaped = '{"model":"a","messages":[{"r\\u006fle":"user","content":"x"}]}';
    expect(send(escaped, (p) => ({ ...p, model: 'b' })).out).toBeUndefined();
    // A repeat in a part that is not sent (a gateway field the provider never sees) does not matter.
    const text = '{"model":"a","metadata":{"t":1,"t":2},"messages":[]}';
    const parsed = JSON.parse(text) as Json;
    const forward = { ...parsed };
    delete forward.metadata;
    expect(serializeEdited(Buffer.from(text), forward, { ...forward, model: 'b' })?.toString()).toBe('{"model":"b","messages":[]}');
  });

  it('gives a body of many tiny values to JSON.stringify, and copies a long conversation', () => {
    const tiny = JSON.stringify({ model: 'a', messages: Array.from({ length: 20_000 }, () => ({ role: 'user', content: 'x' })) });
    expect(send(tiny, (p) => ({ ...p, model: 'b' })).out).toBeUndefined();
    const turn = 'The tide comes in at dusk and the harbour lights come on one by one. '.repeat(20);
    const long = JSON.stringify({ model: 'a', messages: Array.from({ length: 100 }, () => ({ role: 'user', content: turn })) });
    expect(send(long, (p) => ({ ...p, model: 'b' })).out).toBe(long.replace('"model":"a"', '"model":"b"'));
  });

  it('keeps -0 as the client wrote it, but not where an edit put another zero', () => {
    expect(send('{"model":"a","p":-0}', (p) => ({ ...p, model: 'b' })).out).toBe('{"model":"b","p":-0}');
    expect(send('{"model":"a","p":-0}', (p) => ({ ...p, model: 'b', p: 0 })).out).toBe('{"model":"b","p":0}');
  });

  it('serializes an edited value with toJSON the way JSON.stringify does', () => {
    const date = new Date(0);
    expect(send('{"model":"a","at":{"x":1}}', (p) => ({ ...p, at: date })).out).toBe('{"model":"a","at":"1970-01-01T00:00:00.000Z"}');
  });

  it('matches JSON.stringify for random documents and random edits', () => {
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
    const strings = ['', 'a', 'x"y', 'back\\slash', 'tail\\', '{[}]', 'naïve ☃', '\u0000\n\t', '𝄞 emoji', '\\"', ' , : '];
    const value = (depth: number): unknown => {
      const kind = depth > 3 ? pick(['s', 'n', 'l']) : pick(['s', 'n', 'l', 'o', 'a']);
      if (kind === 's') return pick(strings);
      if (kind === 'n') return pick([0, -1, 1.5, 1e21, 12345, -0.25]);
      if (kind === 'l') return pick([true, false, null]);
      if (kind === 'a') return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
      const o: Json = {};
      for (let i = Math.floor(random() * 4); i > 0; i--) o[pick(['k', 'model', 'role', 'x"', 'ü', 'content'])] = value(depth + 1);
      return o;
    };
    const format = (v: unknown): string => {
      const pad = (): string => pick(['', ' ', '\n  ', '\t']);
      if (Array.isArray(v)) return `[${pad()}${v.map((e) => `${format(e)}${pad()}`).join(`,${pad()}`)}]`;
      if (v && typeof v === 'object') {
        return `{${pad()}${Object.entries(v).map(([k, e]) => `${JSON.stringify(k)}${pad()}:${pad()}${format(e)}`).join(`,${pad()}`)}${pad()}}`;
      }
      return JSON.stringify(v);
    };
    // Copy-on-write edits at random places: replace, remove, add, append.
    const edit = (v: unknown, depth: number): unknown => {
      if (random() < 0.4) return v;
      if (Array.isArray(v)) {
        const out = v.map((e) => edit(e, depth + 1));
        if (random() < 0.3) out.push(value(depth + 1));
        return out;
      }
      if (v && typeof v === 'object') {
        const out: Json = { ...(v as Json) };
        for (const k of Object.keys(out)) {
          const r = random();
          if (r < 0.15) delete out[k];
          else if (r < 0.25) out[k] = undefined;
          else out[k] = edit(out[k], depth + 1);
        }
        if (random() < 0.3) out[pick(['new', 'model', 'z'])] = value(depth + 1);
        return out;
      }
      return random() < 0.5 ? value(depth + 1) : v;
    };
    let checked = 0;
    for (let n = 0; n < 2000; n++) {
      const doc: Json = { model: 'm', messages: [value(1), value(1)], other: value(0) };
      const text = format(doc);
      const parsed = JSON.parse(text) as Json;
      const after = edit(parsed, 0);
      const out = serializeEdited(Buffer.from(text), parsed, after);
      if (out === undefined) continue; // a repeated key in an edited object
      expect(JSON.parse(out.toString())).toEqual(JSON.parse(JSON.stringify(after)));
      checked++;
    }
    expect(checked).toBeGreaterThan(1500);
  });
});

describe('bodyToSend', () => {
  it('serializes the edit when there are no client bytes, or none it can use', () => {
    expect(bodyToSend(undefined, { model: 'a' }, { model: 'b' })).toBe('{"model":"b"}');
    const twice = '{"model":"a","model":"a"}';
    expect(bodyToSend(Buffer.from(twice), JSON.parse(twice), { model: 'b' })).toBe('{"model":"b"}');
  });

  it('sends the client bytes with the edit when it can', () => {
    const out = bodyToSend(Buffer.from('{"model":"a","t":1.0}'), { model: 'a', t: 1 }, { model: 'b', t: 1 });
    expect(Buffer.isBuffer(out) && out.toString()).toBe('{"model":"b","t":1.0}');
  });
});
