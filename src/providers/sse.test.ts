import { describe, expect, it } from 'vitest';
import { sseEvent, sseEventLengthAt } from './sse.js';

describe('sseEventLengthAt', () => {
  const data = '{"choices":[{"delta":{"content":"Hi"}}]}';
  const text = `: comment\n\n${sseEvent(data)}data: [DONE]\n\n`;
  const at = text.indexOf('data: ');

  it('measures an event framed exactly as sseEvent frames it', () => {
    expect(sseEventLengthAt(text, at, data)).toBe(sseEvent(data).length);
    expect(sseEventLengthAt(text, at + sseEvent(data).length, '[DONE]')).toBe('data: [DONE]\n\n'.length);
  });

  it.each([
    ['other data', text, at, data.replace('Hi', 'Ho')],
    ['the wrong place', text, 0, data],
    ['no space after the colon', text.replace('data: {', 'data:{'), at, data],
    ['CRLF', text.replace(`${data}\n\n`, `${data}\r\n\r\n`), at, data],
    ['no blank line', text.replace(`${data}\n\n`, `${data}\n`), at, data],
    ['the end of the text', sseEvent(data).slice(0, -1), 0, data],
    ['data of several lines', sseEvent('a\nb'), 0, 'a\nb'],
  ])('gives 0 for %s', (_, t, position, d) => {
    expect(sseEventLengthAt(t, position, d)).toBe(0);
  });
});
