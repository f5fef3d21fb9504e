import { describe, expect, it } from 'vitest';
import { findModel } from '../catalogue/catalogue.js';
import type { CatalogueModel } from '../catalogue/catalogue.js';
import { ruleContext } from './rule.js';
import { validateMessages } from './validate-messages.js';

function model(id: string): CatalogueModel {
  const m = findModel('moonshot', id);
  if (!m) throw new Error(`no model ${id}`);
  return m;
}

const check = (body: Record<string, unknown>) => validateMessages(ruleContext(model('kimi-k2.6'), body));

describe('validateMessages', () => {
  it('accepts the four Moonshot roles', () => {
    const messages = [
      { role: 'system', content: 's' },
      { role: 'user', content: 'u' },
      { role: 'assistant', content: 'a' },
      { role: 'tool', tool_call_id: 'x', content: 't' },
    ];
    expect(check({ messages })).toBeUndefined();
  });

  it('rejects the developer role with a 400 naming the index', () => {
    const err = check({ messages: [{ role: 'developer', content: 'd' }] });
    expect(err?.status).toBe(400);
    expect(err?.type).toBe('invalid_request_error');
    expect(err?.message).toContain('"developer" at index 0');
  });

  it('rejects legacy functions / function_call, top-level and in messages', () => {
    expect(check({ messages: [{ role: 'user', content: 'x' }], functions: [] })?.status).toBe(400);
    expect(check({ messages: [{ role: 'user', content: 'x' }], function_call: 'auto' })?.status).toBe(400);
    expect(check({ messages: [{ role: 'assistant', content: '', function_call: { name: 'f' } }] })?.message).toContain('function_call');
    expect(check({ messages: [{ role: 'function', name: 'f', content: 'x' }] })?.status).toBe(400);
  });

  it('ignores null legacy fields, as if omitted', () => {
    expect(check({ messages: [{ role: 'user', content: 'x' }], functions: null })).toBeUndefined();
  });

  it('rejects empty or missing messages', () => {
    expect(check({ messages: [] })?.status).toBe(400);
    expect(check({})?.status).toBe(400);
  });

  it('allows partial only on a last assistant message', () => {
    expect(check({ messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: 'Sure', partial: true }] })).toBeUndefined();
    expect(check({ messages: [{ role: 'user', content: 'x', partial: true }] })?.status).toBe(400);
    expect(
      check({ messages: [{ role: 'assistant', content: 'a', partial: true }, { role: 'user', content: 'x' }] })?.status,
    ).toBe(400);
  });
});
