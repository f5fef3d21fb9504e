import { describe, expect, it } from 'vitest';
import { answerTurn, nextTurns, pendingToolCalls } from './conversation.js';
import type { Turn } from './conversation.js';

const call = { id: 'get_weather_0', type: 'function' as const, function: { name: 'get_weather', arguments: '{"city": "Paris"}' } };
const asked: Turn[] = [
  { role: 'user', content: 'Weather in Paris?' },
  { role: 'assistant', content: '', tool_calls: [call] },
];

describe('the playground conversation', () => {
  it('starts with the message alone, and refuses to send nothing', () => {
    expect(nextTurns([], [], 'hi')).toEqual([{ role: 'user', content: 'hi' }]);
    expect(() => nextTurns([], [], '  ')).toThrow('Write a message');
  });

  it('answers each pending tool call before an optional message', () => {
    expect(pendingToolCalls(asked)).toEqual([call]);
    expect(nextTurns(asked, ['sunny'], '')).toEqual([{ role: 'tool', tool_call_id: 'get_weather_0', content: 'sunny' }]);
    expect(nextTurns(asked, ['sunny'], 'And tomorrow?')).toEqual([
      { role: 'tool', tool_call_id: 'get_weather_0', content: 'sunny' },
      { role: 'user', content: 'And tomorrow?' },
    ]);
    expect(() => nextTurns(asked, [''], 'skip it')).toThrow('Give a result for the get_weather tool call (get_weather_0)');
  });

  it('has nothing pending once the last turn is not a tool-calling answer', () => {
    expect(pendingToolCalls([...asked, { role: 'tool', tool_call_id: 'get_weather_0', content: 'sunny' }])).toEqual([]);
    expect(pendingToolCalls([{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }])).toEqual([]);
  });

  it('leaves out calls cut off by max_tokens (arguments not whole JSON) and the gaps of skipped indices', () => {
    const cut = answerTurn('', [{ id: 'a_0', name: 'a', arguments: '{"city": "Par' }]);
    expect(cut).toEqual({ role: 'assistant', content: '' });
    expect(pendingToolCalls([cut])).toEqual([]);
    expect(answerTurn('', [{ id: 'n_0', name: 'now', arguments: '' }])).toMatchObject({ tool_calls: [{ id: 'n_0' }] });
    // eslint-disable-next-line no-sparse-arrays
    const sparse = answerTurn('', [, { id: 'b_1', name: 'b', arguments: '{}' }]);
    expect(sparse).toEqual({ role: 'assistant', content: '', tool_calls: [{ id: 'b_1', type: 'function', function: { name: 'b', arguments: '{}' } }] });
  });

  it('keeps an answer as an assistant turn, giving calls without an id one (a tool result must name it)', () => {
    expect(answerTurn('hello', [])).toEqual({ role: 'assistant', content: 'hello' });
    expect(answerTurn('', [{ name: 'a', arguments: '{}' }, { id: 'x', name: 'b', arguments: '{}' }])).toEqual({
      role: 'assistant',
      content: '',
      tool_calls: [
        { id: 'call_0', type: 'function', function: { name: 'a', arguments: '{}' } },
        { id: 'x', type: 'function', function: { name: 'b', arguments: '{}' } },
      ],
    });
  });
});
