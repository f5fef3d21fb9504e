import { describe, expect, it } from 'vitest';
import { lastUserText, parseDirectives, stripDirectives } from './directives.js';

describe('parseDirectives', () => {
  it('returns nothing for plain text', () => {
    expect(parseDirectives('hello')).toEqual({});
  });

  it('reads several directives at once', () => {
    expect(parseDirectives('hi [[sim:latency=200]] [[sim:token_delay=5]] [[sim:tokens=40]] [[sim:cut=3]] [[sim:stream_error=2]] [[sim:garbage]]')).toEqual({
      latencyMs: 200,
      tokenDelayMs: 5,
      tokens: 40,
      cutAfterChunks: 3,
      streamErrorAfterChunks: 2,
      garbage: true,
    });
  });

  it('reads errors with parameters', () => {
    expect(parseDirectives('[[sim:error=503]]').error).toEqual({ status: 503 });
    expect(parseDirectives('[[sim:error=429,after=3]]').error).toEqual({ status: 429, after: 3 });
    expect(parseDirectives('[[sim:error=429,type=engine_overloaded_error]]').error).toEqual({ status: 429, type: 'engine_overloaded_error' });
    expect(parseDirectives('[[sim:error=42]]').error).toBeUndefined();
  });

  it('reads a fixture name', () => {
    expect(parseDirectives('[[sim:fixture=moonshotai-stream-tool-calls]]').fixture).toBe('moonshotai-stream-tool-calls');
  });

  it('ignores unknown names and bad numbers', () => {
    expect(parseDirectives('[[sim:nope=1]] [[sim:latency=abc]]')).toEqual({});
  });
});

describe('stripDirectives / lastUserText', () => {
  it('removes markers from echoed text', () => {
    expect(stripDirectives('What is up? [[sim:latency=10]]  please')).toBe('What is up? please');
  });

  it('reads the last user message, from a string or text parts', () => {
    const messages = [
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'x' },
      { role: 'user', content: [{ type: 'text', text: 'second' }, { type: 'image_url', image_url: { url: 'ms://f' } }] },
      { role: 'assistant', content: 'prefix', partial: true },
    ];
    expect(lastUserText(messages)).toBe('second');
    expect(lastUserText([])).toBe('');
  });
});
