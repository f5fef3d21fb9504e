import { describe, expect, it } from 'vitest';
import { Adjustments } from '../adjustments.js';
import { tupleItemsToPrefixItems } from './tuple-items-to-prefix-items.js';

const withSchema = (schema: unknown): Record<string, unknown> => ({ response_format: { type: 'json_schema', json_schema: { name: 'x', strict: true, schema } } });
const sentSchema = (body: Record<string, unknown>): unknown => JSON.parse(JSON.stringify(body)).response_format.json_schema.schema;

describe('tupleItemsToPrefixItems', () => {
  it('turns tuple items into prefixItems at any depth, and says how many', () => {
    const body = withSchema({
      type: 'object',
      properties: { pair: { type: 'array', items: [{ type: 'string' }, { type: 'array', items: [{ type: 'integer' }] }] } },
      $defs: { row: { anyOf: [{ type: 'array', items: [{ type: 'boolean' }] }, { type: 'null' }] } },
    });
    const adjustments = new Adjustments();
    tupleItemsToPrefixItems(body, adjustments);
    expect(sentSchema(body)).toEqual({
      type: 'object',
      properties: { pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'array', prefixItems: [{ type: 'integer' }] }] } },
      $defs: { row: { anyOf: [{ type: 'array', prefixItems: [{ type: 'boolean' }] }, { type: 'null' }] } },
    });
    expect(adjustments.list()).toEqual(['response_format=tuple_items->prefixItems(3)']);
  });

  it("keeps additionalItems' meaning: a schema becomes items, false a maxItems, true goes", () => {
    const body = withSchema({
      type: 'object',
      properties: {
        closed: { type: 'array', items: [{ type: 'string' }, { type: 'number' }], additionalItems: false },
        open: { type: 'array', items: [{ type: 'string' }], additionalItems: { type: 'number' } },
        loose: { type: 'array', items: [{ type: 'string' }], additionalItems: true },
      },
    });
    tupleItemsToPrefixItems(body, new Adjustments());
    expect(sentSchema(body)).toEqual({
      type: 'object',
      properties: {
        closed: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }], maxItems: 2 },
        open: { type: 'array', prefixItems: [{ type: 'string' }], items: { type: 'number' } },
        loose: { type: 'array', prefixItems: [{ type: 'string' }] },
      },
    });
  });

  it("never edits the client's objects, and leaves a schema without tuples the very same object", () => {
    const tuple = { type: 'array', items: [{ type: 'string' }] };
    const body = withSchema({ type: 'object', properties: { t: tuple } });
    const before = JSON.stringify(body);
    const format = body.response_format;
    tupleItemsToPrefixItems(body, new Adjustments());
    expect(JSON.stringify(format)).toBe(before.slice('{"response_format":'.length, -1));
    expect(tuple.items).toEqual([{ type: 'string' }]);

    const plain = withSchema({ type: 'object', properties: { tags: { type: 'array', items: { type: 'string' } } } });
    const plainFormat = plain.response_format;
    const adjustments = new Adjustments();
    tupleItemsToPrefixItems(plain, adjustments);
    expect(plain.response_format).toBe(plainFormat);
    expect(adjustments.list()).toEqual([]);
  });

  it('leaves other response formats alone', () => {
    const body = { response_format: { type: 'json_object' } };
    tupleItemsToPrefixItems(body, new Adjustments());
    expect(body).toEqual({ response_format: { type: 'json_object' } });
  });
});
