import { ApiError, api, saveKey, savedKey } from './api.js';

/** Who is signed in: the master key (or open mode) sees everything; a gateway key only its own data. */
export type Role = 'admin' | 'key';
const ROLE = 'moongate.role';

export function currentRole(): Role | null {
  return savedKey() === null ? null : ((sessionStorage.getItem(ROLE) as Role | null) ?? 'key');
}

/**
 * Checks a key against the gateway and remembers it. /v1/models says whether the key is valid;
 * /admin/keys whether it is the master key (a gateway key gets 403 there, the master key the list
 * or, with the store down, a 5xx).
 */
export async function signIn(key: string): Promise<Role> {
  await api('/v1/models', { key });
  let role: Role = 'admin';
  try {
    await api('/admin/keys', { key });
  } catch (err) {
    if (err instanceof ApiError && err.status === 403) role = 'key';
    // The route checks the caller before it reads the key store: a store that does not answer
    // (503) means the key was taken as the master key. Refusing the sign-in then locked the
    // operator out of the dashboard (provider health, logs) just when something was wrong.
    else if (!(err instanceof ApiError && err.status >= 500)) throw err;
  }
  saveKey(key);
  sessionStorage.setItem(ROLE, role);
  return role;
}

/** Forgets the key and everything the tab kept for it (the logs' page positions among them). */
export function signOut(): void {
  saveKey(null);
  for (const name of Object.keys(sessionStorage)) if (name.startsWith('moongate.')) sessionStorage.removeItem(name);
}
