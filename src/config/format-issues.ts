/**
 * Turns zod issues into config problems with short, user-facing messages. Values are echoed only
 * where they are safe and useful (enum mismatches at non-secret keys); secrets never appear.
 */
import type { z } from 'zod';
import { KNOWN_KEYS_MARKER } from './schema.js';
import { orList, unknownKeyMessage } from './problems.js';
import type { ConfigPath, PathSegment, ProblemList } from './problems.js';

/** Keys whose values must never be printed. */
const SECRET_KEYS = new Set(['api_key', 'master_key', 'store', 'redis']);

export function isSecretPath(path: ConfigPath): boolean {
  return path.some((seg) => typeof seg === 'string' && SECRET_KEYS.has(seg));
}

/** A value's kind in YAML words. */
export function describeKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      // YAML reads 1e309 as Infinity, and .nan as NaN: zod calls neither a number.
      return Number.isFinite(value) ? 'a number' : String(value);
    case 'boolean':
      return 'true/false';
    case 'object':
      return 'a map';
    default:
      return typeof value;
  }
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  object: 'a map',
  array: 'a list',
  boolean: 'true or false',
};

function messageFor(issue: z.core.$ZodIssue, path: ConfigPath): string {
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'invalid_type': {
      if (input === undefined) return 'is required';
      if (issue.expected === 'int') return 'must be an integer';
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      const quote = issue.expected === 'string' && (typeof input === 'number' || typeof input === 'boolean');
      return `must be ${expected} (got ${describeKind(input)}${quote ? '; put it in quotes' : ''})`;
    }
    case 'invalid_value': {
      const allowed = orList(issue.values.map((v) => JSON.stringify(v)));
      const got = !isSecretPath(path) && (typeof input === 'string' || typeof input === 'number') ? ` (got ${JSON.stringify(input)})` : '';
      return `must be ${allowed}${got}`;
    }
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'string') return 'must not be empty';
      if (issue.origin === 'array') return `must have at least ${min} item${min === 1 ? '' : 's'}`;
      return issue.inclusive ? `must be at least ${min}` : `must be greater than ${min}`;
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'array') return `must have at most ${max} items`;
      return issue.inclusive ? `must be at most ${max}` : `must be less than ${max}`;
    }
    case 'invalid_union':
      return 'has an invalid value';
    default:
      return issue.message;
  }
}

/** Adds one problem per issue (one per key for unknown keys), with paths under `prefix`. */
export function addIssues(issues: readonly z.core.$ZodIssue[], prefix: ConfigPath, problems: ProblemList): void {
  for (const issue of issues) {
    const path: PathSegment[] = [...prefix, ...issue.path.map((seg) => (typeof seg === 'symbol' ? String(seg) : seg))];
    if (issue.code === 'unrecognized_keys') {
      const known = issue.message.startsWith(KNOWN_KEYS_MARKER)
        ? issue.message.slice(KNOWN_KEYS_MARKER.length).split(',')
        : [];
      for (const key of issue.keys) problems.add([...path, key], unknownKeyMessage(key, known));
      continue;
    }
    problems.add(path, messageFor(issue, path));
  }
}

/** Validates `value` against `schema`; problems go to `problems`, and undefined is returned on failure. */
export function parseWith<T extends z.ZodType>(
  schema: T,
  value: unknown,
  prefix: ConfigPath,
  problems: ProblemList,
): z.output<T> | undefined {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  addIssues(result.error.issues, prefix, problems);
  return undefined;
}
