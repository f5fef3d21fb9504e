import { afterEach, describe, expect, it, vi } from 'vitest';
import { logEntry } from '../../../test/helpers/log-entry.js';
import { isPendingBody, prepareBodyLater, settleBody, settleBodyOf, settledEntry } from './pending-body.js';
import type { PendingBody } from './pending-body.js';
import { prepareBody } from './prepare-body.js';
import type { BodyPolicy } from './prepare-body.js';

const full: BodyPolicy = { mode: 'full', maxBytes: 2048 };
const turn = 'The harbour lights come on one by one — while the boats return with the day’s catch. ';
const conversation = { model: 'kimi', messages: [{ role: 'user', content: turn.repeat(40) }, { role: 'assistant', content: turn.repeat(30) }, { role: 'user', content: 'And then?' }] };
const png = `data:image/png;base64,${'iVBORw0KGgo'.repeat(100)}AA==`;
const vision = { model: 'kimi', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: png } }] }] };

afterEach(() => vi.restoreAllMocks());

describe('prepareBodyLater', () => {
  it('keeps a small body in full as its own text, and leaves nothing for later', () => {
    const body = { model: 'kimi', messages: [{ role: 'user', content: 'hi' }] };
    const text = JSON.stringify(body);
    expect(prepareBodyLater(body, full, text)).toBe(text);
  });

  it('leaves for later what needs more than keeping the text: a body over the cap, an inline file, redaction', () => {
    for (const [body, policy] of [
      [conversation, full],
      [vision, { mode: 'full', maxBytes: 65536 }],
      [{ model: 'kimi', messages: [{ role: 'user', content: 'secret' }] }, { mode: 'redacted', maxBytes: 65536 }],
    ] as const) {
      const text = JSON.stringify(body);
      const later = prepareBodyLater(body, policy, text);
      expect(isPendingBody(later)).toBe(true);
      expect(later).toEqual({ pending_body: true, text, mode: policy.mode, maxBytes: policy.maxBytes });
      // Prepared later, it is what preparing it at once gives.
      expect(settleBody(later)).toBe(prepareBody(body, policy, text));
    }
  });

  it('prepares at once what it has no text for, and keeps nothing when bodies are off', () => {
    expect(prepareBodyLater(conversation, full, undefined)).toBe(prepareBody(conversation, full));
    expect(Buffer.byteLength(prepareBodyLater(conversation, full, undefined) as string)).toBeLessThanOrEqual(2048);
    expect(prepareBodyLater(conversation, { mode: 'off', maxBytes: 2048 }, JSON.stringify(conversation))).toBeNull();
    expect(prepareBodyLater(undefined, full, undefined)).toBeNull();
  });
});

describe('settling a body left for later', () => {
  it('shortens within the cap, keeping valid JSON and every field', () => {
    const stored = settleBody(prepareBodyLater(conversation, full, JSON.stringify(conversation)))!;
    expect(Buffer.byteLength(stored)).toBeLessThanOrEqual(2048);
    const parsed = JSON.parse(stored);
    expect(parsed.model).toBe('kimi');
    expect(parsed.messages[0].content).toMatch(/…\[truncated \d+ chars\]$/);
    expect(parsed.messages[2].content).toBe('And then?');
  });

  it('stores a body that cannot be prepared as null, says so, and keeps the record', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const broken: PendingBody = { pending_body: true, text: '{"model": ', mode: 'full', maxBytes: 10 };
    expect(settleBodyOf('req-9', 'request', broken)).toBeNull();
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^moongate: log record req-9: its request body could not be prepared \(.+\) and is stored without it$/));
  });

  it('gives the spool a record whose bodies are text, and the same record when there is nothing to prepare', () => {
    const text = JSON.stringify(conversation);
    const entry = logEntry({ id: 'req-1', request_json: prepareBodyLater(conversation, full, text), response_json: '{"ok":true}' });
    const settled = settledEntry(entry);
    expect(settled).toEqual({ ...entry, request_json: prepareBody(conversation, full, text), response_json: '{"ok":true}' });
    expect(isPendingBody(entry.request_json)).toBe(true);
    const plain = logEntry({ id: 'req-2' });
    expect(settledEntry(plain)).toBe(plain);
  });
});
