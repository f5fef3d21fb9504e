import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import type { VirtualKeys } from '../keys/virtual-keys.js';
import { publicView } from '../keys/virtual-key.js';
import type { Caller } from './auth.js';
import { requireAdmin } from './auth.js';
import { decodePathPart } from './decode-path-part.js';
import { GatewayError, methodNotAllowed, sendJson } from './gateway-error.js';
import { invalidKeyRequest } from './admin-keys-invalid.js';
import { readJsonBody } from './read-json-body.js';
import { storeOperation } from './store-failure.js';
import type * as AdminKeySchemas from './admin-keys-schemas.js';

// zod is loaded with the first key request, not at start-up (it is ~10 MB the request path never needs).
const schemas = (): Promise<typeof AdminKeySchemas> => import('./admin-keys-schemas.js');

/**
 * /admin/keys — create (the key is shown once, in this answer only), list, get with spend,
 * update and revoke gateway keys. Master key only.
 */
export async function handleAdminKeys(req: IncomingMessage, res: ServerResponse, path: string, method: string, caller: Caller, keys: VirtualKeys): Promise<boolean> {
  if (path !== '/admin/keys' && !path.startsWith('/admin/keys/')) return false;
  requireAdmin(caller);
  const id = path === '/admin/keys' ? undefined : decodePathPart(path.slice('/admin/keys/'.length), 'key id');

  if (id === undefined) {
    if (method === 'GET') {
      const all = await stored(() => keys.list());
      sendJson(res, 200, { object: 'list', data: all.map((k) => publicView(k)) });
      return true;
    }
    if (method === 'POST') {
      const { createSchema, KEY_FIELDS } = await schemas();
      const input = parse(createSchema, await readJsonBody(req, 1024 * 1024, 'fixed for this route'), KEY_FIELDS);
      const { key, record } = await stored(() => keys.create(input));
      sendJson(res, 201, { ...publicView(record), key });
      return true;
    }
    throw methodNotAllowed(method, path, ['GET', 'POST']);
  }

  if (method === 'GET') {
    const key = await stored(() => keys.get(id));
    if (!key) throw notFound(id);
    sendJson(res, 200, publicView(key));
    return true;
  }
  if (method === 'PATCH') {
    const { updateSchema, KEY_FIELDS } = await schemas();
    const patch = parse(updateSchema, await readJsonBody(req, 1024 * 1024, 'fixed for this route'), KEY_FIELDS);
    const key = await stored(() => keys.update(id, patch));
    if (!key) throw notFound(id);
    sendJson(res, 200, publicView(key));
    return true;
  }
  if (method === 'DELETE') {
    const key = await stored(() => keys.revoke(id));
    if (!key) throw notFound(id);
    sendJson(res, 200, publicView(key));
    return true;
  }
  throw methodNotAllowed(method, path, ['GET', 'PATCH', 'DELETE']);
}

function parse<T extends z.ZodType>(schema: T, body: unknown, known: readonly string[]): z.output<T> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  throw invalidKeyRequest(result.error, known);
}

/** A key operation the store could not take: 503 store_unavailable (storeOperation), as the log routes say it. */
function stored<T>(operation: () => Promise<T>): Promise<T> {
  return storeOperation(operation, (why) => `The key store is not available: ${why}`);
}

function notFound(id: string): GatewayError {
  return new GatewayError(404, `No gateway key with id \`${id}\`. List keys with GET /admin/keys.`, { type: 'invalid_request_error', code: 'key_not_found' });
}

