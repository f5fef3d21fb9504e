import { describe, expect, it } from 'vitest';
import { findModel } from '../catalogue/catalogue.js';
import type { CatalogueModel } from '../catalogue/catalogue.js';
import { ruleContext } from './rule.js';
import { validateToolChoice, validateTools } from './validate-tools.js';

function model(id: string): CatalogueModel {
  const m = findModel('moonshot', id);
  if (!m) throw new Error(`no model ${id}`);
  return m;
}

const fn = (name: string) => ({ type: 'function', function: { name, parameters: { type: 'object', properties: {} } } });
const msgs = [{ role: 'user', content: 'hi' }];
const tools = (id: string, extra: Record<string, unknown>) => validateTools(ruleContext(model(id), { messages: msgs, ...extra }));
const choice = (id: string, extra: Record<string, unknown>) => validateToolChoice(ruleContext(model(id), { messages: msgs, ...extra }));

describe('validateTools', () => {
  it('accepts valid function names and the $web_search builtin', () => {
    expect(tools('kimi-k2.6', { tools: [fn('get_weather'), fn('a-b'), fn('_x1'), { type: 'builtin_function', function: { name: '$web_search' } }] })).toBeUndefined();
  });

  it('enforces the name pattern ^[a-zA-Z_][a-zA-Z0-9-_]{2,63}$', () => {
    expect(tools('kimi-k2.6', { tools: [fn('ab')] })?.status).toBe(400);
    expect(tools('kimi-k2.6', { tools: [fn('1abc')] })?.status).toBe(400);
    expect(tools('kimi-k2.6', { tools: [fn('has space')] })?.status).toBe(400);
    expect(tools('kimi-k2.6', { tools: [fn('a'.repeat(64))] })).toBeUndefined();
    expect(tools('kimi-k2.6', { tools: [fn('a'.repeat(65))] })?.status).toBe(400);
  });

  it('rejects duplicate names', () => {
    expect(tools('kimi-k2.6', { tools: [fn('get_weather'), fn('get_weather')] })?.message).toContain('duplicated');
  });

  it('allows at most 128 tools', () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => fn(`tool_${i}`));
    expect(tools('kimi-k2.6', { tools: many(128) })).toBeUndefined();
    expect(tools('kimi-k2.6', { tools: many(129) })?.status).toBe(400);
  });

  it('rejects unknown tool types', () => {
    expect(tools('kimi-k2.6', { tools: [{ type: 'retrieval', function: { name: 'abc' } }] })?.status).toBe(400);
  });
});

describe('validateToolChoice', () => {
  const defs = { tools: [fn('get_weather')] };

  it('with thinking on only auto and none pass (captured texts)', () => {
    expect(choice('kimi-k2.6', { ...defs, tool_choice: 'auto' })).toBeUndefined();
    expect(choice('kimi-k2.6', { ...defs, tool_choice: 'none' })).toBeUndefined();
    expect(choice('kimi-k2.6', { ...defs, tool_choice: 'required' })).toEqual({
      status: 400,
      type: 'invalid_request_error',
      message: "tool_choice 'required' is incompatible with thinking enabled",
    });
    expect(choice('kimi-k2.6', { ...defs, tool_choice: { type: 'function', function: { name: 'get_weather' } } })?.message).toBe(
      "tool_choice 'specified' is incompatible with thinking enabled",
    );
  });

  it('accepts forced choices when thinking is off', () => {
    const off = { thinking: { type: 'disabled' } };
    expect(choice('kimi-k2.6', { ...defs, ...off, tool_choice: 'required' })).toBeUndefined();
    expect(choice('moonshot-v1-8k', { ...defs, tool_choice: { type: 'function', function: { name: 'get_weather' } } })).toBeUndefined();
  });

  it('kimi-k3 (forced_tool_choice) accepts required while thinking', () => {
    expect(choice('kimi-k3', { ...defs, tool_choice: 'required' })).toBeUndefined();
    expect(choice('kimi-k2-thinking', { ...defs, tool_choice: 'required' })?.status).toBe(400);
  });

  it('rejects a named tool that is not defined, and malformed choices', () => {
    expect(choice('moonshot-v1-8k', { ...defs, tool_choice: { type: 'function', function: { name: 'nope' } } })?.status).toBe(400);
    expect(choice('moonshot-v1-8k', { ...defs, tool_choice: 'sometimes' })?.status).toBe(400);
  });
});

describe('$web_search and thinking (docs/moonshot.md: "Not with k2.5 thinking")', () => {
  const webSearch = { type: 'builtin_function', function: { name: '$web_search' } };
  it('refuses $web_search on kimi-k2.5 while thinking is on (the default)', () => {
    const error = tools('kimi-k2.5', { tools: [webSearch] });
    expect(error?.status).toBe(400);
    expect(error?.type).toBe('invalid_request_error');
    expect(error?.message).toContain('$web_search');
  });
  it('accepts it on kimi-k2.5 with thinking disabled, and on other models', () => {
    expect(tools('kimi-k2.5', { tools: [webSearch], thinking: { type: 'disabled' } })).toBeUndefined();
    expect(tools('kimi-k2.6', { tools: [webSearch] })).toBeUndefined();
    expect(tools('kimi-k3', { tools: [webSearch] })).toBeUndefined();
  });
});
