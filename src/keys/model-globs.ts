import { findBareModel } from '../catalogue/catalogue.js';

/**
 * May a key with these globs use `requested` (an alias, `provider/model` or a bare model id)? A
 * bare Moonshot model name (`kimi-k2.6`) also matches globs over `moonshot/kimi-k2.6`, and
 * `moonshot/kimi-k2.6` globs over the bare name: the two name the same model, so a key given
 * `kimi-k2.6` may ask for either (and log records of either, which ingestion stores qualified).
 */
export function keyMayUse(globs: readonly string[] | null, requested: string): boolean {
  if (globs === null) return true;
  const names = [requested];
  const slash = requested.indexOf('/');
  if (slash === -1) {
    const bare = findBareModel(requested);
    if (bare) names.push(`${bare.provider}/${bare.id}`);
  } else {
    const id = requested.slice(slash + 1);
    const bare = findBareModel(id);
    if (bare && bare.provider === requested.slice(0, slash)) names.push(bare.id);
  }
  return modelAllowed(globs, names);
}

/** Does `model` match one of the key's globs (`*` any run of characters, `?` one)? */
export function modelAllowed(globs: readonly string[] | null, names: readonly string[]): boolean {
  if (globs === null) return true;
  return globs.some((glob) => names.some((name) => globMatches(glob, name)));
}

/**
 * One glob against one name, in at most glob × name steps: on a mismatch it goes back to the
 * last `*` only. The regular expression it replaces (`^.*a.*a…b$`) backtracked through every way
 * of sharing the name among the stars: a key with seven stars took 5 s on a 60-character model
 * name, and the name is the caller's (up to 256 characters), so one request could stall every
 * other. A name with a line break matches nothing, as the expression's `.` never crossed one.
 */
function globMatches(glob: string, name: string): boolean {
  if (/[\n\r\u2028\u2029]/.test(name)) return false;
  let g = 0;
  let n = 0;
  let star = -1;
  let mark = 0;
  while (n < name.length) {
    if (glob[g] === '*') {
      star = g++;
      mark = n;
    } else if (g < glob.length && (glob[g] === '?' || glob[g] === name[n])) {
      g++;
      n++;
    } else if (star !== -1) {
      g = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (glob[g] === '*') g++;
  return g === glob.length;
}
