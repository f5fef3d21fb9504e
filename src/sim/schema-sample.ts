import { isRecord } from './json.js';
import type { JsonRecord } from './json.js';

/** Plausible values by property name, so generated tool arguments read like a model's. */
const NAMED_STRINGS: Array<[RegExp, string]> = [
  [/city|location|place|town/i, 'Paris'],
  [/country/i, 'France'],
  [/zone|timezone|tz/i, 'UTC'],
  [/unit/i, 'celsius'],
  [/lang/i, 'en'],
  [/email/i, 'user@example.com'],
  [/url|link/i, 'https://example.com'],
  [/date/i, '2026-01-01'],
  [/time/i, '12:00'],
  [/name/i, 'Moongate'],
  [/id$/i, 'id_1'],
];

const FORMATS: Record<string, string> = {
  date: '2026-01-01',
  'date-time': '2026-01-01T12:00:00Z',
  time: '12:00:00',
  email: 'user@example.com',
  uri: 'https://example.com',
  url: 'https://example.com',
  uuid: '00000000-0000-4000-8000-000000000000',
};

const MAX_DEPTH = 8;

/**
 * A deterministic value that satisfies the common parts of a JSON schema: required properties
 * (or all of them when none are required), enums, consts, defaults, formats and numeric bounds.
 * `queryText` fills free-text parameters such as `query` with what the user asked.
 */
export function sampleFromSchema(schema: unknown, queryText = 'sample', name = '', depth = 0): unknown {
  if (!isRecord(schema) || depth > MAX_DEPTH) return name === '' ? {} : 'sample';
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const list = schema[key];
    if (Array.isArray(list)) {
      const first = list.find((s) => !(isRecord(s) && s.type === 'null')) ?? list[0];
      return sampleFromSchema(first, queryText, name, depth + 1);
    }
  }
  switch (schemaType(schema)) {
    case 'object':
      return sampleObject(schema, queryText, depth);
    case 'array':
      return sampleArray(schema, queryText, name, depth);
    case 'integer':
      return sampleNumber(schema, true);
    case 'number':
      return sampleNumber(schema, false);
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return sampleString(schema, queryText, name);
  }
}

function schemaType(schema: JsonRecord): string | undefined {
  const t = schema.type;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return t.find((x): x is string => typeof x === 'string' && x !== 'null');
  if (isRecord(schema.properties)) return 'object';
  if (schema.items !== undefined) return 'array';
  return undefined;
}

function sampleObject(schema: JsonRecord, queryText: string, depth: number): JsonRecord {
  const props = isRecord(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === 'string') : [];
  const keys = required.length > 0 ? required : Object.keys(props);
  const out: JsonRecord = {};
  for (const key of keys) out[key] = sampleFromSchema(props[key] ?? {}, queryText, key, depth + 1);
  return out;
}

function sampleArray(schema: JsonRecord, queryText: string, name: string, depth: number): unknown[] {
  // A tuple (2020-12 `prefixItems`, as Moonshot takes it): one value per position.
  if (Array.isArray(schema.prefixItems) && schema.prefixItems.length > 0) return schema.prefixItems.map((s) => sampleFromSchema(s, queryText, name, depth + 1));
  const min = typeof schema.minItems === 'number' ? schema.minItems : 1;
  const count = Math.max(1, Math.min(min, 5));
  return Array.from({ length: count }, () => sampleFromSchema(schema.items ?? { type: 'string' }, queryText, name, depth + 1));
}

/**
 * 1, moved inside the bounds when it is outside: a model writes a small, ordinary number, and zod
 * gives every integer the bounds ±(2^53 - 1), which taken as the value reads like a bug.
 */
function sampleNumber(schema: JsonRecord, integer: boolean): number {
  const min = typeof schema.minimum === 'number' ? schema.minimum : undefined;
  const max = typeof schema.maximum === 'number' ? schema.maximum : undefined;
  const above = typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum : undefined;
  let v = 1;
  if (min !== undefined && v < min) v = min;
  if (above !== undefined && v <= above) v = integer ? Math.floor(above) + 1 : above + 1;
  if (max !== undefined && v > max) v = max;
  if (integer) v = Math.ceil(v);
  return v;
}

function sampleString(schema: JsonRecord, queryText: string, name: string): string {
  if (typeof schema.format === 'string' && FORMATS[schema.format]) return FORMATS[schema.format] ?? 'sample';
  if (/query|question|prompt|search|text|q$/i.test(name)) return queryText;
  for (const [pattern, value] of NAMED_STRINGS) if (pattern.test(name)) return value;
  return 'sample';
}
