/**
 * Replaces environment references in parsed YAML values: a string value that is exactly
 * `env:NAME` or LiteLLM's `os.environ/NAME` becomes the value of the variable NAME.
 *
 * A variable that is missing (or empty) is a problem naming the key and the variable, except at
 * `redis`, where it means "not set" and the key is dropped. Not at `master_key`: a config that
 * names a master key must never start without one, open to anyone.
 */
import { formatPath } from './problems.js';
import type { ConfigPath, PathSegment, ProblemList } from './problems.js';

const REFERENCE = /^(?:env:|os\.environ\/)(.*)$/s;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Top-level keys where a missing variable means "unset" rather than an error. */
export const OPTIONAL_ENV_KEYS: readonly string[] = ['redis'];

/** What to do instead, for keys where the operator may have meant "no value". */
const MISSING_HINTS: Readonly<Record<string, string>> = {
  master_key: '; set it, or remove master_key to run in open local mode (no gateway authentication)',
};

function isOptional(path: ConfigPath): boolean {
  return path.length === 1 && OPTIONAL_ENV_KEYS.includes(String(path[0]));
}

/** The variable named by `value`, `null` for a malformed reference, undefined for a plain string. */
export function parseEnvRef(value: string): string | null | undefined {
  const m = REFERENCE.exec(value);
  if (!m) return undefined;
  const name = m[1]!.trim();
  return VARIABLE_NAME.test(name) ? name : null;
}

const DROP = Symbol('drop');

/** The variable each resolved value came from, by key path (`formatPath`), for problems about that value. */
export type EnvOrigins = Map<string, string>;

function resolve(value: unknown, path: PathSegment[], env: NodeJS.ProcessEnv, problems: ProblemList, origins: EnvOrigins): unknown {
  if (typeof value === 'string') {
    const name = parseEnvRef(value);
    if (name === undefined) return value;
    if (name === null) {
      problems.addAndSuppress(
        path,
        `"${value.split(/[/:]/, 1)[0]}" reference needs a variable name made of letters, digits and "_" (e.g. env:MOONSHOT_API_KEY)`,
      );
      return value;
    }
    const resolved = env[name];
    if (resolved === undefined || resolved === '') {
      if (isOptional(path)) return DROP;
      const hint = path.length === 1 ? (MISSING_HINTS[String(path[0])] ?? '') : '';
      problems.addAndSuppress(path, `environment variable ${name} is ${resolved === undefined ? 'not set' : 'empty'}${hint}`);
      return value;
    }
    origins.set(formatPath(path), name);
    return resolved;
  }
  if (Array.isArray(value)) {
    return value.map((item, i) => resolve(item, [...path, i], env, problems, origins));
  }
  if (value !== null && typeof value === 'object') {
    const entries: [string, unknown][] = [];
    for (const [key, item] of Object.entries(value)) {
      const out = resolve(item, [...path, key], env, problems, origins);
      if (out !== DROP) entries.push([key, out]);
    }
    return Object.fromEntries(entries);
  }
  return value;
}

/**
 * A copy of `value` with every environment reference replaced. Problems are added to `problems`
 * (and their paths suppressed, so no follow-on problem is reported for the same key). `origins`
 * receives the variable behind each replaced value.
 */
export function resolveEnvRefs(value: unknown, env: NodeJS.ProcessEnv, problems: ProblemList, origins: EnvOrigins = new Map()): unknown {
  const out = resolve(value, [], env, problems, origins);
  return out === DROP ? undefined : out;
}
