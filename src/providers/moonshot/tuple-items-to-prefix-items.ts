import type { Adjustments } from '../adjustments.js';
import { editableCopy } from '../editable-copy.js';

type Json = Record<string, unknown>;

/** Keywords whose value is one subschema, a list of them, or a map of them (JSON Schema 2020-12 and draft-07). */
const ONE = ['items', 'additionalItems', 'additionalProperties', 'contains', 'not', 'if', 'then', 'else', 'propertyNames', 'unevaluatedItems', 'unevaluatedProperties'];
const LIST = ['prefixItems', 'anyOf', 'oneOf', 'allOf'];
const MAP = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'];
/** Deeper than this a schema is left as it is (Moonshot will say what it thinks of it). */
const MAX_DEPTH = 64;

/**
 * Moonshot's schema validator ("moonshot flavored json schema") takes `items` only as one schema
 * and rejects the tuple form draft-07 tools write (`"items": [{…}, {…}]`: "items must be an
 * object", moonshotai-issue-19544-rejected), while it accepts the same tuple as 2020-12's
 * `prefixItems` (moonshotai-issue-19544-accepted). Both mean the same, so the structured-output
 * schema is sent in the accepted form. Copy on write: an untouched schema is the client's own
 * object, which is then sent byte for byte.
 */
export function tupleItemsToPrefixItems(body: Json, adjustments: Adjustments): void {
  const format = body.response_format;
  if (!isJson(format) || format.type !== 'json_schema' || !isJson(format.json_schema)) return;
  const counter = { tuples: 0 };
  const schema = convert(format.json_schema.schema, counter, 0);
  if (counter.tuples === 0) return;
  const jsonSchema = editableCopy(format.json_schema);
  jsonSchema.schema = schema;
  const converted = editableCopy(format);
  converted.json_schema = jsonSchema;
  body.response_format = converted;
  adjustments.add('response_format', `tuple_items->prefixItems(${counter.tuples})`);
}

function convert(schema: unknown, counter: { tuples: number }, depth: number): unknown {
  if (!isJson(schema) || depth > MAX_DEPTH) return schema;
  let out: Json | undefined;
  const set = (key: string, value: unknown): void => {
    if (value === schema[key]) return;
    (out ??= editableCopy(schema))[key] = value;
  };
  for (const key of ONE) {
    if (key === 'items' && Array.isArray(schema.items)) continue;
    if (schema[key] !== undefined) set(key, convert(schema[key], counter, depth + 1));
  }
  for (const key of LIST) {
    const list = schema[key];
    if (!Array.isArray(list)) continue;
    const converted = list.map((s) => convert(s, counter, depth + 1));
    if (converted.some((s, i) => s !== list[i])) set(key, converted);
  }
  for (const key of MAP) {
    const map = schema[key];
    if (!isJson(map)) continue;
    let changed: Json | undefined;
    for (const [name, sub] of Object.entries(map)) {
      const converted = convert(sub, counter, depth + 1);
      if (converted !== sub) (changed ??= editableCopy(map))[name] = converted;
    }
    if (changed) set(key, changed);
  }
  if (Array.isArray(schema.items)) {
    counter.tuples++;
    const tuple = schema.items.map((s) => convert(s, counter, depth + 1));
    const copy = (out ??= editableCopy(schema));
    const prefix = [...(Array.isArray(copy.prefixItems) ? copy.prefixItems : []), ...tuple];
    copy.prefixItems = prefix;
    // Left undefined rather than deleted (serialized the same): see editable-copy.ts.
    copy.items = undefined;
    moveAdditionalItems(copy, prefix.length);
  }
  return out ?? schema;
}

/**
 * Draft-07's `additionalItems` (what may follow the tuple) in 2020-12 terms: a schema becomes
 * `items`; `false` becomes a `maxItems` of the tuple's length, since Moonshot wants `items` to be
 * an object; `true` is the default and goes.
 */
function moveAdditionalItems(schema: Json, tupleLength: number): void {
  const additional = schema.additionalItems;
  if (additional === undefined) return;
  schema.additionalItems = undefined;
  if (isJson(additional)) schema.items = additional;
  else if (additional === false) schema.maxItems = typeof schema.maxItems === 'number' ? Math.min(schema.maxItems, tupleLength) : tupleLength;
}

function isJson(value: unknown): value is Json {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}
