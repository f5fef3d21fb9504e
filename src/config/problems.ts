/**
 * Config problems: a key path plus a message, collected so that every problem in a config is
 * reported at once, then formatted one per line as `file:line:col: key.path: message`.
 */

export type PathSegment = string | number;
export type ConfigPath = readonly PathSegment[];

export interface ConfigProblem {
  path: ConfigPath;
  message: string;
}

/** Thrown when a config cannot be used. `problems` holds one formatted line per problem. */
export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[] | string) {
    const lines = Array.isArray(problems) ? problems : [problems];
    super(lines.join('\n'));
    this.name = 'ConfigError';
    this.problems = lines;
  }
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `providers.moonshot.credentials[1].region`; keys that are not plain words are quoted: `pricing["moonshot/kimi-k2.6"]`. */
export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (PLAIN_KEY.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

function startsWith(path: ConfigPath, prefix: ConfigPath): boolean {
  return prefix.length <= path.length && prefix.every((seg, i) => seg === path[i]);
}

/**
 * Collects problems. A path can be suppressed (e.g. its environment variable is missing) so the
 * follow-on problems at or under it ("is required", "must be a number") are not reported twice.
 */
export class ProblemList {
  readonly items: ConfigProblem[] = [];
  private readonly suppressed: ConfigPath[] = [];

  add(path: ConfigPath, message: string): void {
    if (this.suppressed.some((p) => startsWith(path, p))) return;
    this.items.push({ path: [...path], message });
  }

  /** Adds a problem and hides any later one at or under the same path. */
  addAndSuppress(path: ConfigPath, message: string): void {
    this.add(path, message);
    this.suppressed.push([...path]);
  }

  get size(): number {
    return this.items.length;
  }
}

/** A close known key for a probable typo, or undefined. */
export function suggestKey(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const c = candidate.toLowerCase();
    if (c === lower) return candidate;
    const d = editDistance(lower, c);
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(1, Math.floor(Math.max(key.length, best.length) / 3));
  if (bestDistance <= limit) return best;
  // `timeout` for `timeout_ms`, `fail` for `fails`: one is a prefix of the other.
  const prefixed = known.find((c) => c.toLowerCase().startsWith(lower) || lower.startsWith(c.toLowerCase()));
  return lower.length >= 3 ? prefixed : undefined;
}

/** Edit distance counting a swap of neighbours (`prot` → `port`) as one edit. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** `unknown key (did you mean "region"?)` */
export function unknownKeyMessage(key: string, known: readonly string[]): string {
  if (known.length === 0) return 'unknown key';
  const hint = suggestKey(key, known);
  return hint ? `unknown key (did you mean "${hint}"?)` : `unknown key (expected one of: ${known.join(', ')})`;
}

/** Joins `["a", "b", "c"]` as `"a", "b" or "c"`. */
export function orList(values: readonly string[]): string {
  if (values.length <= 1) return values.join('');
  return `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;
}
