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
  return globs.some((glob) => {
    const re = globToRegExp(glob);
    return names.some((name) => re.test(name));
  });
}

const cache = new Map<string, RegExp>();

function globToRegExp(glob: string): RegExp {
  let re = cache.get(glob);
  if (!re) {
    const source = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    re = new RegExp(`^${source}$`);
    cache.set(glob, re);
  }
  return re;
}
