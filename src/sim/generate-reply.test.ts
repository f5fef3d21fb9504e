import { describe, expect, it } from 'vitest';
import { findModel } from '../catalogue/catalogue.js';
import type { CatalogueModel } from '../catalogue/catalogue.js';
import { planReply } from './generate-reply.js';
import type { ReplyPlan } from './generate-reply.js';
import { thinkingEnabled } from './thinking.js';

function model(id: string): CatalogueModel {
  const m = findModel('moonshot', id);
  if (!m) throw new Error(`no model ${id}`);
  return m;
}

function plan(id: string, body: Record<string, unknown>, tokens?: number): ReplyPlan {
  const m = model(id);
  const messages = Array.isArray(body.messages) ? body.messages : [];
  return planReply({ model: m, thinking: thinkingEnabled(m, body), body, messages, tokens });
}

const weather = {
  type: 'function',
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};
const time = { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string' } } } } };

describe('planReply', () => {
  it('echoes the user text, without directives, deterministically', () => {
    const body = { messages: [{ role: 'user', content: 'ping [[sim:latency=1]]' }] };
    const p = plan('moonshot-v1-8k', body);
    expect(p.content.join('')).toBe('Hello from the Moongate simulator (moonshot-v1-8k). You said: ping');
    expect(p.reasoning).toEqual([]);
    expect(p.finishReason).toBe('stop');
    expect(p.completionTokens).toBe(p.content.length);
    expect(plan('moonshot-v1-8k', body)).toEqual(p);
  });

  it('reasons first when thinking is on', () => {
    const p = plan('kimi-k2.6', { messages: [{ role: 'user', content: 'hi' }] });
    expect(p.reasoning.length).toBeGreaterThan(0);
    expect(p.reasoningTokens).toBe(p.reasoning.length);
    expect(p.completionTokens).toBe(p.reasoning.length + p.content.length);
    expect(plan('kimi-k2.6', { messages: [{ role: 'user', content: 'hi' }], thinking: { type: 'disabled' } }).reasoning).toEqual([]);
  });

  it('calls the first function tool with schema-derived arguments', () => {
    const p = plan('kimi-k3', { messages: [{ role: 'user', content: 'what now?' }], tools: [weather, time] });
    expect(p.finishReason).toBe('tool_calls');
    expect(p.content).toEqual([]);
    expect(p.toolCalls).toHaveLength(1);
    expect(p.toolCalls[0]).toMatchObject({ id: 'get_weather_0', name: 'get_weather', type: 'function', arguments: '{"city": "Paris"}' });
    expect(p.toolCalls[0]?.fragments.join('')).toBe('{"city": "Paris"}');
  });

  it('calls every tool named in the user text, in parallel', () => {
    const p = plan('kimi-k2.5', { messages: [{ role: 'user', content: 'use get_time and get_weather' }], tools: [weather, time] });
    expect(p.toolCalls.map((c) => c.id)).toEqual(['get_weather_0', 'get_time_1']);
  });

  it('honours a named tool_choice and tool_choice none', () => {
    const named = plan('moonshot-v1-8k', {
      messages: [{ role: 'user', content: 'get_weather please' }],
      tools: [weather, time],
      tool_choice: { type: 'function', function: { name: 'get_time' } },
    });
    expect(named.toolCalls.map((c) => c.name)).toEqual(['get_time']);
    const none = plan('moonshot-v1-8k', { messages: [{ role: 'user', content: 'x' }], tools: [weather], tool_choice: 'none' });
    expect(none.toolCalls).toEqual([]);
  });

  it('answers a tool result with text that mentions it', () => {
    const messages = [
      { role: 'user', content: 'weather?' },
      { role: 'assistant', content: '', tool_calls: [{ id: 'get_weather_0', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'get_weather_0', content: 'Sunny, 21C' },
    ];
    const p = plan('kimi-k2-0905-preview', { messages, tools: [weather] });
    expect(p.toolCalls).toEqual([]);
    expect(p.content.join('')).toBe('The get_weather tool returned: Sunny, 21C');
  });

  it('uses the builtin $web_search shape', () => {
    const p = plan('kimi-k2-0905-preview', {
      messages: [{ role: 'user', content: 'search the web' }],
      tools: [{ type: 'builtin_function', function: { name: '$web_search' } }],
    });
    expect(p.toolCalls[0]).toMatchObject({ type: 'builtin_function', name: '$web_search' });
    expect(JSON.parse(p.toolCalls[0]?.arguments ?? '')).toHaveProperty('search_result');
  });

  it('truncates at max_completion_tokens with finish_reason length, reasoning first', () => {
    const p = plan('kimi-k3', { messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: 3 });
    expect(p.finishReason).toBe('length');
    expect(p.reasoning).toHaveLength(3);
    expect(p.content).toEqual([]);
    expect(p.completionTokens).toBe(3);
    const v1 = plan('moonshot-v1-8k', { messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 });
    expect(v1.content.join('')).toBe('Hello from');
  });

  it('drops a tool call that does not fit', () => {
    const p = plan('moonshot-v1-8k', { messages: [{ role: 'user', content: 'x' }], tools: [weather], max_tokens: 2 });
    expect(p.toolCalls).toEqual([]);
    expect(p.finishReason).toBe('length');
  });

  it('produces exactly N tokens on request', () => {
    const p = plan('moonshot-v1-8k', { messages: [{ role: 'user', content: 'x' }] }, 50);
    expect(p.content).toHaveLength(50);
    expect(p.completionTokens).toBe(50);
  });

  it('continues a partial assistant prefix without repeating it', () => {
    const messages = [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'Hello from', partial: true }];
    expect(plan('moonshot-v1-8k', { messages }).content.join('')).toBe(' the Moongate simulator (moonshot-v1-8k). You said: hi');
    const other = plan('moonshot-v1-8k', { messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'Sure,', partial: true }] });
    expect(other.content.join('').startsWith('Sure,')).toBe(false);
  });

  it('answers JSON for json_object and json_schema', () => {
    const obj = plan('moonshot-v1-8k', { messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_object' } });
    expect(JSON.parse(obj.content.join(''))).toHaveProperty('reply');
    const schema = { type: 'object', properties: { greeting: { type: 'string' } }, required: ['greeting'] };
    const js = plan('kimi-k3', { messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_schema', json_schema: { name: 'g', schema } } });
    expect(JSON.parse(js.content.join(''))).toEqual({ greeting: 'sample' });
  });
});

describe('stop sequences', () => {
  const ask = (stop: unknown) => plan('moonshot-v1-8k', { messages: [{ role: 'user', content: 'ping' }], stop });

  it('ends the content before the first stop sequence, which is not included; finish_reason stays stop', () => {
    const p = ask(['simulator', 'never-there']);
    expect(p.content.join('')).toBe('Hello from the Moongate ');
    expect(p.finishReason).toBe('stop');
    expect(p.completionTokens).toBe(p.content.length);
    expect(ask('from').content.join('')).toBe('Hello ');
  });

  it('leaves the reply whole when no stop sequence occurs in it', () => {
    expect(ask(['zzz']).content.join('')).toBe('Hello from the Moongate simulator (moonshot-v1-8k). You said: ping');
    expect(ask([]).content.join('')).toBe('Hello from the Moongate simulator (moonshot-v1-8k). You said: ping');
  });
});
