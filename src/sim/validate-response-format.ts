import { invalidRequest } from './errors.js';
import { isRecord, present } from './json.js';
import type { RuleContext } from './rule.js';
import type { SimError } from './types.js';

const TYPES = new Set(['text', 'json_object', 'json_schema']);

/**
 * `response_format.type` in text|json_object|json_schema (message inferred). A json_schema whose
 * `items` is not an object (tuple form) is rejected with the captured text of moonshotai-issue-19544-rejected.
 */
export function validateResponseFormat({ body }: RuleContext): SimError | undefined {
  if (!present(body, 'response_format')) return undefined;
  const rf = body.response_format;
  if (!isRecord(rf) || typeof rf.type !== 'string' || !TYPES.has(rf.type)) {
    return invalidRequest('Invalid request: response_format.type must be one of text, json_object, json_schema');
  }
  if (rf.type !== 'json_schema') return undefined;
  const js = rf.json_schema;
  if (!isRecord(js) || !isRecord(js.schema)) {
    return invalidRequest('Invalid request: response_format.json_schema.schema must be an object');
  }
  const problem = findSchemaProblem(js.schema, '');
  if (problem) {
    return invalidRequest(
      `Invalid request: response_format.json_schema is not a valid moonshot flavored json schema, details: <At path '${problem.path}': ${problem.reason}>`,
    );
  }
  return undefined;
}

interface SchemaProblem {
  path: string;
  reason: string;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

export function findSchemaProblem(schema: unknown, path: string): SchemaProblem | undefined {
  if (!isRecord(schema)) return undefined;
  if (schema.items !== undefined) {
    const itemsPath = join(path, 'items');
    if (!isRecord(schema.items)) return { path: itemsPath, reason: 'items must be an object' };
    const inner = findSchemaProblem(schema.items, itemsPath);
    if (inner) return inner;
  }
  if (isRecord(schema.properties)) {
    for (const [name, sub] of Object.entries(schema.properties)) {
      const inner = findSchemaProblem(sub, join(join(path, 'properties'), name));
      if (inner) return inner;
    }
  }
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const list = schema[key];
    if (!Array.isArray(list)) continue;
    for (let i = 0; i < list.length; i++) {
      const inner = findSchemaProblem(list[i], `${join(path, key)}.${i}`);
      if (inner) return inner;
    }
  }
  return undefined;
}
