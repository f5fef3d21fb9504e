import { api } from './api.js';
import { currentRole } from './session.js';
import type { KeyView, Page } from './types.js';

/**
 * Gateway key names by id, for the master key's pages: records and usage name a key by its id
 * (`key_FgnLR1RYGm6H`), which says nothing to an operator. A gateway key cannot list keys, and
 * gets no names. Kept for a minute, and asked again sooner for an id not seen yet (a new key).
 */
let cached: { at: number; names: Map<string, string> } | undefined;
const FRESH_MS = 60_000;
const NEW_KEY_MS = 5_000;

export async function keyNames(ids: Iterable<string | null>): Promise<Map<string, string>> {
  if (currentRole() !== 'admin') return new Map();
  const wanted = [...ids].filter((id): id is string => id !== null);
  if (wanted.length === 0) return cached?.names ?? new Map();
  const age = cached ? Date.now() - cached.at : Infinity;
  const unknown = wanted.some((id) => !cached?.names.has(id));
  if (age < FRESH_MS && !(unknown && age > NEW_KEY_MS)) return cached!.names;
  try {
    const keys = await api<Page<KeyView>>('/admin/keys');
    cached = { at: Date.now(), names: new Map(keys.data.map((k) => [k.id, k.name])) };
  } catch {
    // The names are a nicety: the ids are still shown (the store may be down).
  }
  return cached?.names ?? new Map();
}
