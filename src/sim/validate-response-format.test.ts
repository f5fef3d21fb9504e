import { describe, expect, it } from 'vitest';
import { findModel } from '../catalogue/catalogue.js';
import type { CatalogueModel } from '../catalogue/catalogue.js';
import { ruleContext } from './rule.js';
import { validateResponseFormat } from './validate-response-format.js';

function model(id: string): CatalogueModel {
  const m = findModel('moonshot', id);
  if (!m) throw new Error(`no model ${id}`);
  return m;
}

const check = (response_format: unknown) =>
  validateResponseFormat(ruleContext(model('kimi-k3'), { messages: [{ role: 'user', content: 'x' }], response_format }));

describe('validateResponseFormat', () => {
  it('accepts text, json_object and json_schema', () => {
    expect(check({ type: 'text' })).toBeUndefined();
    expect(check({ type: 'json_object' })).toBeUndefined();
    expect(check({ type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object', properties: { a: { type: 'string' } } } } })).toBeUndefined();
  });

  it('rejects other types', () => {
    expect(check({ type: 'xml' })?.status).toBe(400);
    expect(check('json')?.status).toBe(400);
  });

  it('rejects tuple-style items with the captured text', () => {
    const schema = { type: 'object', properties: { pair: { type: 'array', items: [{ type: 'string' }, { type: 'number' }] } } };
    expect(check({ type: 'json_schema', json_schema: { name: 'p', schema } })?.message).toBe(
      "Invalid request: response_format.json_schema is not a valid moonshot flavored json schema, details: <At path 'properties.pair.items': items must be an object>",
    );
  });
});
