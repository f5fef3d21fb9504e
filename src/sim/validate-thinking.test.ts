import { describe, expect, it } from 'vitest';
import { findModel } from '../catalogue/catalogue.js';
import type { CatalogueModel } from '../catalogue/catalogue.js';
import { ruleContext } from './rule.js';
import { validateReasoningContent, validateThinkingParam } from './validate-thinking.js';

function model(id: string): CatalogueModel {
  const m = findModel('moonshot', id);
  if (!m) throw new Error(`no model ${id}`);
  return m;
}

const user = { role: 'user', content: 'weather?' };
const call = { id: 'get_weather_0', type: 'function', function: { name: 'get_weather', arguments: '{}' } };
const toolResult = { role: 'tool', tool_call_id: 'get_weather_0', content: 'sunny' };
const assistant = (extra: Record<string, unknown>) => ({ role: 'assistant', content: '', tool_calls: [call], ...extra });
const reasoning = (id: string, body: Record<string, unknown>) => validateReasoningContent(ruleContext(model(id), body));
const param = (id: string, thinking: unknown) => validateThinkingParam(ruleContext(model(id), { messages: [user], thinking }));

describe('validateReasoningContent', () => {
  it('rejects a tool-call turn without reasoning_content when thinking is on, naming its index', () => {
    const err = reasoning('kimi-k2.6', { messages: [{ role: 'system', content: 's' }, user, assistant({}), toolResult] });
    expect(err).toEqual({
      status: 400,
      type: 'invalid_request_error',
      message: 'thinking is enabled but reasoning_content is missing in assistant tool call message at index 2',
    });
  });

  it('rejects "" like a missing value, accepts " "', () => {
    expect(reasoning('kimi-k3', { messages: [user, assistant({ reasoning_content: '' }), toolResult] })?.status).toBe(400);
    expect(reasoning('kimi-k3', { messages: [user, assistant({ reasoning_content: ' ' }), toolResult] })).toBeUndefined();
    expect(reasoning('kimi-k3', { messages: [user, assistant({ reasoning_content: null }), toolResult] })?.status).toBe(400);
  });

  it('does not apply when thinking is off or the assistant message has no tool calls', () => {
    const messages = [user, assistant({}), toolResult];
    expect(reasoning('kimi-k2.6', { messages, thinking: { type: 'disabled' } })).toBeUndefined();
    expect(reasoning('moonshot-v1-8k', { messages })).toBeUndefined();
    expect(reasoning('kimi-k3', { messages: [user, { role: 'assistant', content: 'hi' }, user] })).toBeUndefined();
    expect(reasoning('kimi-k3', { messages: [user, { role: 'assistant', content: 'hi', tool_calls: [] }, user] })).toBeUndefined();
  });

  it('reports the first offending message', () => {
    const messages = [user, assistant({ reasoning_content: 'ok' }), toolResult, assistant({}), toolResult, assistant({}), toolResult];
    expect(reasoning('kimi-k2-thinking', { messages })?.message).toMatch(/at index 3$/);
  });
});

describe('validateThinkingParam', () => {
  it('accepts enabled/disabled on default_on models, and keep', () => {
    expect(param('kimi-k2.6', { type: 'enabled' })).toBeUndefined();
    expect(param('kimi-k2.6', { type: 'disabled' })).toBeUndefined();
    expect(param('kimi-k2.6', { type: 'enabled', keep: 'all' })).toBeUndefined();
    expect(param('kimi-k2.6', { type: 'enabled', keep: null })).toBeUndefined();
    expect(param('kimi-k2.6', { type: 'enabled', keep: 'some' })?.status).toBe(400);
  });

  it('models that always think refuse disabled (captured text)', () => {
    expect(param('kimi-k2.7-code', { type: 'disabled' })?.message).toBe('invalid thinking: only type=enabled is allowed for this model');
    expect(param('kimi-k3', { type: 'disabled' })?.status).toBe(400);
    expect(param('kimi-k3', { type: 'enabled' })).toBeUndefined();
  });

  it('models that never think refuse enabled', () => {
    expect(param('moonshot-v1-8k', { type: 'enabled' })?.message).toBe('invalid thinking: only type=disabled is allowed for this model');
    expect(param('moonshot-v1-8k', { type: 'disabled' })).toBeUndefined();
  });

  it('rejects malformed values', () => {
    expect(param('kimi-k2.6', 'enabled')?.status).toBe(400);
    expect(param('kimi-k2.6', { type: 'auto' })?.status).toBe(400);
  });
});
