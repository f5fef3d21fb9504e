import { describe, expect, it } from 'vitest';
import { findModel } from '../catalogue/catalogue.js';
import type { CatalogueModel } from '../catalogue/catalogue.js';
import { ruleContext } from './rule.js';
import { validateSampling } from './validate-sampling.js';

function model(id: string): CatalogueModel {
  const m = findModel('moonshot', id);
  if (!m) throw new Error(`no model ${id}`);
  return m;
}

const msgs = [{ role: 'user', content: 'hi' }];
const check = (id: string, extra: Record<string, unknown>) => validateSampling(ruleContext(model(id), { messages: msgs, ...extra }));

describe('validateSampling — fixed-sampling models (captured texts)', () => {
  it('kimi-k3 accepts only temperature 1', () => {
    expect(check('kimi-k3', { temperature: 1 })).toBeUndefined();
    expect(check('kimi-k3', { temperature: 0.6 })).toEqual({
      status: 400,
      type: 'invalid_request_error',
      message: 'invalid temperature: only 1 is allowed for this model',
    });
  });

  it('kimi-k2.6 wants 1 with thinking on and 0.6 with thinking off', () => {
    expect(check('kimi-k2.6', { temperature: 1 })).toBeUndefined();
    expect(check('kimi-k2.6', { temperature: 0.6 })?.message).toBe('invalid temperature: only 1 is allowed for this model');
    const off = { thinking: { type: 'disabled' } };
    expect(check('kimi-k2.6', { ...off, temperature: 0.6 })).toBeUndefined();
    expect(check('kimi-k2.6', { ...off, temperature: 0.7 })?.message).toBe('invalid temperature: only 0.6 is allowed for this model');
  });

  it('applies the same pattern to top_p, n and the penalties', () => {
    expect(check('kimi-k2.5', { top_p: 0.9 })?.message).toBe('invalid top_p: only 0.95 is allowed for this model');
    expect(check('kimi-k2.5', { n: 2 })?.message).toBe('invalid n: only 1 is allowed for this model');
    expect(check('kimi-k2.5', { presence_penalty: 0.5 })?.message).toBe('invalid presence_penalty: only 0 is allowed for this model');
    expect(check('kimi-k2.5', { frequency_penalty: 1 })?.message).toBe('invalid frequency_penalty: only 0 is allowed for this model');
    expect(check('kimi-k2.5', { top_p: 0.95, n: 1, presence_penalty: 0, frequency_penalty: 0 })).toBeUndefined();
  });

  it('treats null as absent', () => {
    expect(check('kimi-k3', { temperature: null })).toBeUndefined();
  });
});

describe('validateSampling — ranges', () => {
  it('temperature must be in [0, 1]', () => {
    expect(check('moonshot-v1-8k', { temperature: 0 })).toBeUndefined();
    expect(check('moonshot-v1-8k', { temperature: 1 })).toBeUndefined();
    expect(check('moonshot-v1-8k', { temperature: 1.5 })?.status).toBe(400);
    expect(check('moonshot-v1-8k', { temperature: -0.1 })?.status).toBe(400);
    expect(check('moonshot-v1-8k', { temperature: '0.5' })?.status).toBe(400);
  });

  it('n is at most 5 and needs temperature >= 0.3 when above 1', () => {
    expect(check('kimi-k2-0905-preview', { n: 5 })).toBeUndefined(); // default 0.6
    expect(check('kimi-k2-0905-preview', { n: 6 })?.status).toBe(400);
    expect(check('kimi-k2-0905-preview', { n: 2, temperature: 0.2 })?.status).toBe(400);
    expect(check('moonshot-v1-8k', { n: 2 })?.status).toBe(400); // default temperature 0.0
    expect(check('moonshot-v1-8k', { n: 2, temperature: 0.3 })).toBeUndefined();
  });

  it('penalties must be in [-2, 2]', () => {
    expect(check('moonshot-v1-8k', { presence_penalty: -2, frequency_penalty: 2 })).toBeUndefined();
    expect(check('moonshot-v1-8k', { presence_penalty: 2.1 })?.status).toBe(400);
    expect(check('moonshot-v1-8k', { frequency_penalty: -3 })?.status).toBe(400);
  });

  it('stop is a string or up to 5 strings of at most 32 bytes', () => {
    expect(check('moonshot-v1-8k', { stop: 'END' })).toBeUndefined();
    expect(check('moonshot-v1-8k', { stop: ['a', 'b', 'c', 'd', 'e'] })).toBeUndefined();
    expect(check('moonshot-v1-8k', { stop: ['a', 'b', 'c', 'd', 'e', 'f'] })?.status).toBe(400);
    expect(check('moonshot-v1-8k', { stop: ['x'.repeat(32)] })).toBeUndefined();
    expect(check('moonshot-v1-8k', { stop: ['x'.repeat(33)] })?.status).toBe(400);
    // 11 three-byte characters = 33 bytes although only 11 characters
    expect(check('moonshot-v1-8k', { stop: ['月'.repeat(11)] })?.status).toBe(400);
    expect(check('moonshot-v1-8k', { stop: [1] })?.status).toBe(400);
  });

  it('max tokens must be non-negative integers', () => {
    expect(check('moonshot-v1-8k', { max_tokens: 10 })).toBeUndefined();
    expect(check('moonshot-v1-8k', { max_completion_tokens: -1 })?.status).toBe(400);
    expect(check('moonshot-v1-8k', { max_tokens: 1.5 })?.status).toBe(400);
  });
});
