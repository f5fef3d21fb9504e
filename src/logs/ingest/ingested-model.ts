import { findBareModel } from '../../catalogue/catalogue.js';
import { splitModel } from '../http/parse-query.js';

/**
 * Provider and model of an ingested record, read as the proxy reads a model name: `provider/model`
 * for a configured provider, else a bare Moonshot catalogue id (`kimi-k2.6`) is Moonshot's, so
 * that the record is found by `?model=moonshot/kimi-k2.6` and grouped under it, as it is priced.
 * Other bare names (`gpt-4`) keep no provider. `given` (the record's own provider) wins.
 */
export function ingestedModel(name: string, providerNames: ReadonlySet<string>, given?: string | null): { model: string; provider: string | null } {
  const split = splitModel(name, providerNames);
  if (split.provider !== undefined) return { model: split.model, provider: split.provider };
  if (given) return { model: name, provider: given };
  const bare = findBareModel(name);
  return bare ? { model: bare.id, provider: bare.provider } : { model: name, provider: null };
}
