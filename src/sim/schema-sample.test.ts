import { describe, expect, it } from 'vitest';
import { sampleFromSchema } from './schema-sample.js';

describe('sampleFromSchema', () => {
  it('fills required properties with plausible values', () => {
    const schema = {
      type: 'object',
      properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] }, days: { type: 'integer', minimum: 2 }, verbose: { type: 'boolean' } },
      required: ['city', 'unit', 'days'],
    };
    expect(sampleFromSchema(schema)).toEqual({ city: 'Paris', unit: 'c', days: 2 });
  });

  it('fills every property when none is required', () => {
    expect(sampleFromSchema({ type: 'object', properties: { zone: { type: 'string' }, n: { type: 'number' } } })).toEqual({ zone: 'UTC', n: 1 });
  });

  it('uses the user text for free-text fields', () => {
    expect(sampleFromSchema({ type: 'object', properties: { query: { type: 'string' } } }, 'moon facts')).toEqual({ query: 'moon facts' });
  });

  it('handles arrays, nested objects, formats, const, default, anyOf and nullable types', () => {
    const schema = {
      type: 'object',
      properties: {
        tags: { type: 'array', items: { type: 'string' }, minItems: 2 },
        when: { type: 'string', format: 'date-time' },
        kind: { const: 'fixed' },
        limit: { type: 'integer', default: 7 },
        either: { anyOf: [{ type: 'null' }, { type: 'number', maximum: 0.5 }] },
        maybe: { type: ['null', 'string'] },
        nested: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
      },
    };
    expect(sampleFromSchema(schema)).toEqual({
      tags: ['sample', 'sample'],
      when: '2026-01-01T12:00:00Z',
      kind: 'fixed',
      limit: 7,
      either: 0.5,
      maybe: 'sample',
      nested: { id: 'id_1' },
    });
  });

  it('picks a small number within the bounds, not a far bound (zod writes integers as ±(2^53 - 1))', () => {
    const safe = { type: 'integer', minimum: -9007199254740991, maximum: 9007199254740991 };
    expect(sampleFromSchema({ type: 'object', properties: { age: safe }, required: ['age'] })).toEqual({ age: 1 });
    expect(sampleFromSchema({ type: 'number', minimum: -5, maximum: 0.25 }, 'q', 'x')).toBe(0.25);
    expect(sampleFromSchema({ type: 'integer', exclusiveMinimum: 1 }, 'q', 'x')).toBe(2);
    expect(sampleFromSchema({ type: 'number', exclusiveMinimum: 3 }, 'q', 'x')).toBeGreaterThan(3);
  });

  it('fills a prefixItems tuple position by position', () => {
    const schema = { type: 'object', properties: { pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }] } }, required: ['pair'] };
    expect(sampleFromSchema(schema)).toEqual({ pair: ['sample', 1] });
  });

  it('returns an object for a missing schema', () => {
    expect(sampleFromSchema(undefined)).toEqual({});
  });
});
