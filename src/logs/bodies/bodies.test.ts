import { describe, expect, it } from 'vitest';
import { fitToSize } from './fit-to-size.js';
import { asString, byteSize, textToHold } from './json-text.js';
import { TOO_DEEP } from './map-json.js';
import { prepareBody } from './prepare-body.js';
import { redactContents } from './redact-contents.js';
import { binaryPlaceholder, hasLongBase64Run, mayHoldBinaryData, replaceBinaryData } from './replace-binary-data.js';

const png = `data:image/png;base64,${'iVBORw0KGgo'.repeat(100)}AA==`;

const visionRequest = {
  model: 'moonshot/kimi-k2.6',
  messages: [
    { role: 'system', content: 'You are terse.' },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'What is in this picture?' },
        { type: 'image_url', image_url: { url: png, detail: 'high' } },
      ],
    },
    { role: 'assistant', content: '', tool_calls: [{ id: 'get_weather_0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
    { role: 'tool', tool_call_id: 'get_weather_0', content: 'sunny' },
  ],
  tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object' } } }],
  temperature: 0.6,
};

describe('replaceBinaryData', () => {
  it('replaces data URLs with their type and decoded size, and leaves the rest', () => {
    const out = replaceBinaryData(visionRequest) as any;
    expect(out.messages[1].content[1].image_url).toEqual({ url: '[image image/png, 826 bytes]', detail: 'high' });
    expect(out.messages[1].content[0].text).toBe('What is in this picture?');
    expect(out.temperature).toBe(0.6);
    expect((visionRequest.messages[1] as any).content[1].image_url.url).toBe(png); // the input is untouched
  });

  it('recognises raw base64 payloads and other data URLs, not ordinary text', () => {
    expect(binaryPlaceholder('QUJD'.repeat(200))).toBe('[base64 data, 600 bytes]');
    expect(binaryPlaceholder('data:application/pdf;base64,QUJD')).toBe('[file application/pdf, 3 bytes]');
    expect(binaryPlaceholder('data:,hello')).toBe('[file text/plain, 5 bytes]');
    expect(binaryPlaceholder('a sentence with spaces '.repeat(40))).toBe('a sentence with spaces '.repeat(40));
    expect(binaryPlaceholder('short')).toBe('short');
  });
});

describe('redactContents', () => {
  it('keeps the structure and replaces what people wrote and the model answered', () => {
    const out = redactContents(visionRequest) as any;
    expect(out.messages[0]).toEqual({ role: 'system', content: '[redacted 14 chars]' });
    expect(out.messages[1].content[0]).toEqual({ type: 'text', text: '[redacted 24 chars]' });
    expect(out.messages[1].content[1].image_url.url).toBe('[image image/png, 826 bytes]');
    expect(out.messages[2].tool_calls[0]).toEqual({ id: 'get_weather_0', type: 'function', function: { name: 'get_weather', arguments: '[redacted 16 chars]' } });
    expect(out.messages[3]).toEqual({ role: 'tool', tool_call_id: 'get_weather_0', content: '[redacted 5 chars]' });
    expect(out.tools).toEqual(visionRequest.tools);
    expect(out.model).toBe('moonshot/kimi-k2.6');
  });

  it('keeps the placeholder of a raw base64 run (a 5,000-character message of one letter was logged as [redacted 25 chars], the placeholder\'s own length)', () => {
    const run = 'a'.repeat(5000);
    const body = { model: 'kimi-k2.6', messages: [{ role: 'user', content: run }, { role: 'user', content: [{ type: 'image', source: { type: 'base64', data: 'QUJD'.repeat(200) } }] }] };
    for (const maxBytes of [1024, 65536]) {
      const out = JSON.parse(prepareBody(body, { mode: 'redacted', maxBytes }, JSON.stringify(body))!);
      expect(out.messages[0].content).toBe('[base64 data, 3750 bytes]');
      expect(out.messages[1].content[0].source).toEqual({ type: 'base64', data: '[base64 data, 600 bytes]' });
    }
  });

  it('redacts text that only starts like a placeholder', () => {
    const out = redactContents({ messages: [{ role: 'user', content: '[image of my bank statement, account 1234]' }, { role: 'user', content: '[file notes] secret' }] }) as any;
    expect(out.messages.map((m: any) => m.content)).toEqual(['[redacted 42 chars]', '[redacted 19 chars]']);
  });

  it('redacts text written to look like a placeholder; keeps only placeholders the gateway made (they were logged in clear)', () => {
    const lookalikes = ['[file pin-4921/iban.de89370400440532013000, 1 bytes]', '[image my.password/hunter2, 2024 bytes]', '[base64 data, 4111111111111111 bytes]'];
    const body = {
      model: 'kimi-k2.6',
      messages: [
        ...lookalikes.map((content) => ({ role: 'user', content })),
        { role: 'user', content: [{ type: 'image_url', image_url: { url: png } }, { type: 'image', source: { type: 'base64', data: 'QUJD'.repeat(200) } }] },
      ],
    };
    for (const out of [redactContents(body) as any, JSON.parse(prepareBody(body, { mode: 'redacted', maxBytes: 65536 }, JSON.stringify(body))!)]) {
      expect(out.messages.slice(0, 3).map((m: any) => m.content)).toEqual(lookalikes.map((s) => `[redacted ${s.length} chars]`));
      expect(out.messages[3].content[0].image_url.url).toBe('[image image/png, 826 bytes]');
      expect(out.messages[3].content[1].source).toEqual({ type: 'base64', data: '[base64 data, 600 bytes]' });
      expect(JSON.stringify(out)).not.toMatch(/iban|hunter2|4111111111111111/);
    }
  });

  it('gives the length of the content as sent, not as max_body_kb would have cut it', () => {
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(120).slice(0, 5000);
    const body = { model: 'kimi-k2.6', messages: [{ role: 'user', content: text }] };
    for (const maxBytes of [1024, 2048, 65536]) {
      expect(JSON.parse(prepareBody(body, { mode: 'redacted', maxBytes }, JSON.stringify(body))!).messages[0].content).toBe('[redacted 5000 chars]');
    }
  });

  it('redacts answers and reasoning in responses', () => {
    const response = { choices: [{ index: 0, message: { role: 'assistant', content: 'Hi!', reasoning_content: 'think' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3 } };
    expect(redactContents(response)).toEqual({
      choices: [{ index: 0, message: { role: 'assistant', content: '[redacted 3 chars]', reasoning_content: '[redacted 5 chars]' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 3 },
    });
  });
});

describe('fitToSize', () => {
  it('shortens a body of very many strings instead of failing on it (and dropping it from the log)', () => {
    const body = { messages: [{ role: 'user', content: 'x'.repeat(200_000) }], x_pad: Array.from({ length: 300_000 }, () => 'a') };
    const kept = fitToSize(body, 64 * 1024);
    expect(kept.length).toBeLessThanOrEqual(64 * 1024);
  });

  it('returns small bodies unchanged', () => {
    expect(fitToSize({ a: 'b' }, 100)).toBe('{"a":"b"}');
  });

  it('shortens the longest strings first and stays valid JSON within the limit', () => {
    const body = { messages: [{ role: 'user', content: 'x'.repeat(50_000) }, { role: 'user', content: 'short and kept' }], model: 'm' };
    const out = fitToSize(body, 2048);
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(2048);
    const parsed = JSON.parse(out);
    expect(parsed.messages[1].content).toBe('short and kept');
    expect(parsed.messages[0].content).toMatch(/^x+…\[truncated \d+ chars\]$/);
    expect(parsed.model).toBe('m');
  });

  it('counts bytes, not characters, for multi-byte text', () => {
    const out = fitToSize({ content: '月'.repeat(10_000) }, 1024);
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(1024);
    expect(JSON.parse(out).content).toMatch(/^月+…\[truncated/);
  });

  it('falls back to a preview when many small fields cannot fit', () => {
    const body = { items: Array.from({ length: 5000 }, (_, i) => i) };
    const out = fitToSize(body, 500);
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(500);
    expect(JSON.parse(out)).toMatchObject({ _truncated: true, original_bytes: JSON.stringify(body).length });
    expect(JSON.parse(fitToSize(body, 0))).toEqual({ _truncated: true, original_bytes: JSON.stringify(body).length });
  });
});

describe('prepareBody', () => {
  it('shortens a body over the cap from its text the same way as from the value alone', () => {
    const body = { model: 'm', messages: Array.from({ length: 40 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `turn ${i} `.repeat(300) })) };
    const text = JSON.stringify(body);
    const out = prepareBody(body, { mode: 'full', maxBytes: 16_384 }, text);
    expect(out).toBe(fitToSize(body, 16_384));
    expect(Buffer.byteLength(out!)).toBeLessThanOrEqual(16_384);
  });

  it('applies the logging.bodies mode', () => {
    expect(prepareBody(visionRequest, { mode: 'off', maxBytes: 65536 })).toBeNull();
    expect(prepareBody(undefined, { mode: 'full', maxBytes: 65536 })).toBeNull();
    const full = JSON.parse(prepareBody(visionRequest, { mode: 'full', maxBytes: 65536 })!);
    expect(full.messages[0].content).toBe('You are terse.');
    expect(full.messages[1].content[1].image_url.url).toBe('[image image/png, 826 bytes]');
    const redacted = JSON.parse(prepareBody(visionRequest, { mode: 'redacted', maxBytes: 65536 })!);
    expect(redacted.messages[0].content).toBe('[redacted 14 chars]');
  });

  it('survives bodies nested deeper than anyone sends', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 5000; i++) deep = { d: deep };
    const out = prepareBody(deep, { mode: 'full', maxBytes: 1_000_000 })!;
    expect(out).toContain(TOO_DEEP);
  });

  it('keeps the wire text when nothing would change it, and falls back to the body otherwise', () => {
    const body = { model: 'kimi', messages: [{ role: 'user', content: 'line one\nline "two"' }] };
    const text = ' {"model":"kimi",  "messages":[{"role":"user","content":"line one\\nline \\"two\\""}]}';
    expect(JSON.parse(text)).toEqual(body);
    expect(prepareBody(body, { mode: 'full', maxBytes: 65536 }, text)).toBe(text);
    // Anything the text path cannot promise goes the long way round.
    expect(prepareBody(body, { mode: 'redacted', maxBytes: 65536 }, text)).toContain('[redacted');
    expect(prepareBody(body, { mode: 'full', maxBytes: 40 }, text)).not.toBe(text);
    const visionText = JSON.stringify(visionRequest);
    expect(JSON.parse(prepareBody(visionRequest, { mode: 'full', maxBytes: 65536 }, visionText)!).messages[1].content[1].image_url.url).toBe('[image image/png, 826 bytes]');
  });
});

describe('a body given as its bytes and its text length (a large request read without decoding it whole)', () => {
  const body = { model: 'm', messages: Array.from({ length: 60 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `tour ${i}: café, 中文, 😀 `.repeat(60) })) };
  const text = JSON.stringify(body);
  const asBytes = { bytes: Buffer.from(text), length: text.length };

  it('is cut to size exactly as its text would be', () => {
    for (const maxBytes of [16_384, 65_536]) {
      expect(prepareBody(body, { mode: 'full', maxBytes }, asBytes)).toBe(prepareBody(body, { mode: 'full', maxBytes }, text));
      expect(fitToSize(body, maxBytes, asBytes)).toBe(fitToSize(body, maxBytes, text));
    }
    const cut = fitToSize(body, 16_384, asBytes);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(16_384);
    expect(JSON.parse(cut).messages[0].content).toMatch(/^tour 0: café, 中文, 😀 .*…\[truncated \d+ chars\]$/);
  });

  it('is kept as its decoded text when under the cap', () => {
    expect(prepareBody(body, { mode: 'full', maxBytes: 1_000_000 }, asBytes)).toBe(text);
    expect(fitToSize(body, 1_000_000, asBytes)).toBe(text);
  });

  it('still has its images replaced and its text redacted', () => {
    const vision = { ...visionRequest, messages: [...visionRequest.messages, { role: 'user', content: 'é'.repeat(40_000) }] };
    const visionText = JSON.stringify(vision);
    const bytes = { bytes: Buffer.from(visionText), length: visionText.length };
    for (const mode of ['full', 'redacted'] as const) {
      for (const maxBytes of [1_000_000, 16_384]) {
        expect(prepareBody(vision, { mode, maxBytes }, bytes), `${mode} ${maxBytes}`).toBe(prepareBody(vision, { mode, maxBytes }, visionText));
      }
    }
    expect(JSON.parse(prepareBody(vision, { mode: 'full', maxBytes: 1_000_000 }, bytes)!).messages[1].content[1].image_url.url).toBe('[image image/png, 826 bytes]');
  });

  it('gives a preview that ends on a whole character when even short strings cannot fit', () => {
    const many = { items: Array.from({ length: 3000 }, (_, i) => `😀"${i}`) };
    const manyText = JSON.stringify(many);
    for (const maxBytes of [500, 501, 502, 503]) {
      const out = fitToSize(many, maxBytes, { bytes: Buffer.from(manyText), length: manyText.length });
      expect(Buffer.byteLength(out)).toBeLessThanOrEqual(maxBytes);
      const parsed = JSON.parse(out);
      expect(parsed).toMatchObject({ _truncated: true, original_bytes: Buffer.byteLength(manyText) });
      expect(parsed.preview).not.toContain('\ufffd');
      expect(parsed.preview).not.toContain('\uFFFD');
      expect(manyText.startsWith(parsed.preview)).toBe(true);
    }
  });
});

describe('mayHoldBinaryData', () => {
  it('is false for ordinary JSON text', () => {
    expect(mayHoldBinaryData(JSON.stringify({ messages: [{ role: 'user', content: 'Hello, "world"\n'.repeat(200) }] }))).toBe(false);
    expect(mayHoldBinaryData(JSON.stringify({ id: 'x'.repeat(511) }))).toBe(false);
  });

  it('is true wherever replaceBinaryData could find something, or escapes could hide it', () => {
    expect(mayHoldBinaryData('{"url":"DATA:image/png;base64,AAAA"}')).toBe(true);
    expect(mayHoldBinaryData(JSON.stringify({ audio: 'QUJD'.repeat(128) }))).toBe(true);
    expect(mayHoldBinaryData('{"url":"\\u0064ata:image/png;base64,AAAA"}')).toBe(true);
    expect(mayHoldBinaryData(`{"b64":"${'QUJD'.repeat(100)}\\/${'QUJD'.repeat(100)}"}`)).toBe(true);
  });
});

describe('hasLongBase64Run', () => {
  /** Every position looked at: the plain definition. */
  function naive(text: string): boolean {
    return /[A-Za-z0-9+/_-]{512}/.test(text);
  }

  it('finds a run of 512 wherever it starts, and never a run of 511', () => {
    for (const offset of [0, 1, 255, 510, 511, 512, 513, 1023, 1024]) {
      const before = '" '.repeat(offset).slice(0, offset);
      expect(hasLongBase64Run(`${before}${'a'.repeat(512)}"`)).toBe(true);
      expect(hasLongBase64Run(`${before}${'a'.repeat(511)}"`)).toBe(false);
      expect(hasLongBase64Run(`${before}${'a'.repeat(512)}`)).toBe(true);
    }
  });

  it('agrees with the plain definition on random text', () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return (seed >>> 8) % n;
      // (the low bits of this generator repeat with a short period)
    };
    let found = 0;
    for (let i = 0; i < 300; i++) {
      let text = '';
      while (text.length < 3000) {
        // Runs of every length up to a little over the limit; a separator that is itself a base64
        // character now and then joins two runs into one.
        text += 'x'.repeat(random(530)) + (random(8) === 0 ? '+' : ' ",:{}.'[random(7)]);
      }
      expect(hasLongBase64Run(text)).toBe(naive(text));
      if (naive(text)) found++;
    }
    // Both answers are exercised.
    expect(found).toBeGreaterThan(30);
    expect(found).toBeLessThan(270);
  });
});

describe('textToHold', () => {
  it('keeps a long text as its UTF-8 bytes, which read back as the same text', () => {
    const cut = JSON.stringify({ content: `${'plain words '.repeat(1000)}…[truncated 99 chars]`, cjk: '中文😀'.repeat(500) });
    const held = textToHold(cut);
    expect(typeof held).toBe('object');
    expect(held.length).toBe(cut.length);
    expect(byteSize(held)).toBe(Buffer.byteLength(cut));
    expect(asString(held)).toBe(cut);
  });

  it('leaves a short text a string', () => {
    const short = JSON.stringify({ content: 'hi…' });
    expect(textToHold(short)).toBe(short);
  });
});
