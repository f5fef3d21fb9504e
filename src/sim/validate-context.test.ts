import { describe, expect, it } from 'vitest';
import { findModel } from '../catalogue/catalogue.js';
import type { CatalogueModel } from '../catalogue/catalogue.js';
import { ruleContext } from './rule.js';
import { validateContextWindow } from './validate-context.js';

function model(id: string): CatalogueModel {
  const m = findModel('moonshot', id);
  if (!m) throw new Error(`no model ${id}`);
  return m;
}

const body = (extra: Record<string, unknown>) => ({ messages: [{ role: 'user', content: 'hi' }], ...extra });

describe('validateContextWindow', () => {
  it('passes when prompt + reserved completion fits', () => {
    expect(validateContextWindow(ruleContext(model('moonshot-v1-8k'), body({ max_tokens: 1000 }), 100))).toBeUndefined();
    expect(validateContextWindow(ruleContext(model('moonshot-v1-8k'), body({ max_tokens: 8092 }), 100))).toBeUndefined();
  });

  it('uses the captured text with the window and the requested total', () => {
    expect(validateContextWindow(ruleContext(model('moonshot-v1-8k'), body({ max_tokens: 8093 }), 100))).toEqual({
      status: 400,
      type: 'invalid_request_error',
      message: 'Invalid request: Your request exceeded model token limit: 8192 (requested: 8193)',
    });
  });

  it('prefers max_completion_tokens over max_tokens', () => {
    const err = validateContextWindow(ruleContext(model('kimi-k2.6'), body({ max_tokens: 1, max_completion_tokens: 300_000 }), 10));
    expect(err?.message).toBe('Invalid request: Your request exceeded model token limit: 262144 (requested: 300010)');
  });

  it('counts a long prompt through the estimate', () => {
    const long = body({ messages: [{ role: 'user', content: 'x'.repeat(4 * 9000) }] });
    expect(validateContextWindow(ruleContext(model('moonshot-v1-8k'), long))?.status).toBe(400);
  });
});
