import { describe, expect, it } from 'vitest';
import { errorEventData } from './error-event-data.js';

describe('errorEventData', () => {
  it('keeps data that already holds an error object', () => {
    const data = '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}';
    expect(errorEventData(data)).toBe(data);
  });

  it('wraps a bare error object, plain text and empty data', () => {
    expect(JSON.parse(errorEventData('{"message":"model crashed","code":500}'))).toEqual({ error: { message: 'model crashed', code: 500 } });
    expect(JSON.parse(errorEventData('worker died'))).toEqual({ error: { message: 'worker died' } });
    expect(JSON.parse(errorEventData(''))).toEqual({ error: { message: 'the upstream sent an error event without a message' } });
    expect(JSON.parse(errorEventData('[1]'))).toEqual({ error: { message: '[1]' } });
  });
});
