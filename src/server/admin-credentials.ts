import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolveBaseUrl } from '../config/base-url.js';
import { headerUnsafeFindings, joinFindings } from '../config/warnings.js';
import { checkMoonshotKey } from '../credentials/check-moonshot-key.js';
import { moonshotCheckPlan } from '../credentials/moonshot-check-plan.js';
import type { CheckResult } from '../credentials/check-moonshot-key.js';
import type { StoredCredentials } from '../credentials/stored-credentials.js';
import type { DeploymentHealth } from '../router/deployment-health.js';
import type { GatewayConfig } from '../config/types.js';
import type { Caller } from './auth.js';
import { requireAdmin } from './auth.js';
import { decodePathPart } from './decode-path-part.js';
import { GatewayError, methodNotAllowed, sendJson } from './gateway-error.js';
import { readJsonBody } from './read-json-body.js';
import { storeOperation } from './store-failure.js';
import type * as AdminCredentialSchemas from './admin-credentials-schemas.js';

// zod is loaded with the first credential added, not at start-up (see admin-keys.ts).
const schemas = (): Promise<typeof AdminCredentialSchemas> => import('./admin-credentials-schemas.js');

export interface AdminCredentialsDeps {
  config: GatewayConfig;
  credentials: StoredCredentials;
  health: DeploymentHealth;
}

/**
 * /admin/credentials — list every provider credential (name and last four only), add one at run
 * time (encrypted at rest), remove a stored one, and test one: the same diagnosis as
 * `moongate check`. A credential that tests OK is put back into rotation if it was disabled.
 */
export async function handleAdminCredentials(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  method: string,
  caller: Caller,
  deps: AdminCredentialsDeps,
): Promise<boolean> {
  if (path !== '/admin/credentials' && !path.startsWith('/admin/credentials/')) return false;
  requireAdmin(caller);
  const provider = new URL(req.url ?? '/', 'http://x').searchParams.get('provider') ?? undefined;
  const rest = path.slice('/admin/credentials'.length).split('/').filter(Boolean).map((part) => decodePathPart(part, 'credential path'));

  if (rest.length === 0) {
    if (method === 'GET') return sendOk(res, 200, { object: 'list', data: deps.credentials.list() });
    if (method === 'POST') {
      const parsed = (await schemas()).addSchema.safeParse(await readJsonBody(req, 64 * 1024, 'fixed for this route'));
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const field = issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : 'body');
        throw new GatewayError(400, `Invalid credential: \`${field}\`: ${issue.message}.`, { type: 'invalid_request_error', code: 'invalid_request', param: field });
      }
      // The same test as start-up warns with about a key in the config (config/warnings.ts).
      const unsafe = headerUnsafeFindings(parsed.data.api_key);
      if (unsafe.length) {
        throw new GatewayError(
          400,
          `Invalid credential: \`api_key\`: ${joinFindings(unsafe)}; a key is sent in the Authorization header, which takes printable ASCII only, so every request with it would fail (give the key exactly as the provider shows it, not a placeholder copied from an example).`,
          { type: 'invalid_request_error', code: 'invalid_request', param: 'api_key' },
        );
      }
      return sendOk(res, 201, await stored(() => deps.credentials.add(parsed.data)));
    }
    throw methodNotAllowed(method, path, ['GET', 'POST']);
  }

  const name = rest[0]!;
  if (rest.length === 1 && method === 'DELETE') {
    const found = deps.credentials.find(name, provider);
    if (!(await stored(() => deps.credentials.remove(found.provider, name)))) {
      throw new GatewayError(409, `Credential "${name}" comes from the config file; remove it there.`, { type: 'invalid_request_error', code: 'credential_from_config' });
    }
    return sendOk(res, 200, { provider: found.provider, name, deleted: true });
  }
  if (rest.length === 2 && rest[1] === 'test' && method === 'POST') {
    const found = deps.credentials.find(name, provider);
    const result = await testCredential(deps.config, found.provider, found.credential);
    if (result.ok) deps.health.enableCredential(`${found.provider}/${name}`);
    return sendOk(res, 200, { provider: found.provider, name, ...result });
  }
  throw new GatewayError(404, `Unknown route ${method} ${path}.`, { type: 'invalid_request_error', code: 'unknown_route' });
}

async function testCredential(config: GatewayConfig, providerName: string, credential: { api_key: string; region?: 'global' | 'cn'; base_url?: string }): Promise<CheckResult> {
  const provider = config.providers[providerName]!;
  if (provider.type === 'moonshot') {
    // Where requests with it go (its base_url, its region's URL, the provider's base_url).
    const usedUrl = resolveBaseUrl(provider, credential)!;
    return checkMoonshotKey({ key: credential.api_key, ...moonshotCheckPlan(usedUrl, credential.region ?? 'global', provider.regions) });
  }
  // Other providers: one models-list call says whether the key is accepted.
  const base = resolveBaseUrl(provider, credential);
  try {
    const res = await fetch(`${base}/models`, { headers: { authorization: `Bearer ${credential.api_key}` }, signal: AbortSignal.timeout(10_000) });
    await res.body?.cancel();
    if (res.ok) return { verdict: 'ok', ok: true, message: `The key works on ${new URL(base!).host}.` };
    if (res.status === 401 || res.status === 403) return { verdict: 'invalid', ok: false, message: `${new URL(base!).host} rejects the key (HTTP ${res.status}).` };
    return { verdict: 'unreachable', ok: false, message: `${new URL(base!).host} answered HTTP ${res.status}.` };
  } catch (err) {
    return { verdict: 'unreachable', ok: false, message: `Could not reach ${base}: ${(err as Error).message}.` };
  }
}

function sendOk(res: ServerResponse, status: number, body: unknown): true {
  sendJson(res, status, body);
  return true;
}

/** A credential operation the store could not take: 503 store_unavailable, as for keys and logs. */
function stored<T>(operation: () => Promise<T>): Promise<T> {
  return storeOperation(operation, (why) => `The credential store is not available: ${why}`);
}
