import type { ServerResponse } from 'node:http';
import { keyMayUse } from '../keys/model-globs.js';
import type { Caller } from './auth.js';
import { decodePathPart } from './decode-path-part.js';
import { GatewayError, methodNotAllowed, sendJson } from './gateway-error.js';
import type { ModelListing } from './list-models.js';

/**
 * GET /v1/models (also /models) and GET /v1/models/{id}, OpenAI's list and retrieve. A gateway key
 * sees the models it may use, as OpenAI lists a key's models (and the playground offers them). An
 * id holding a `/` (`moonshot/kimi-k2.6`) may come percent-encoded (the OpenAI SDKs encode it) or
 * not. Returns false for other paths.
 */
export async function handleModels(res: ServerResponse, path: string, method: string, caller: Caller, models: ModelListing): Promise<boolean> {
  const rest = modelPath(path);
  if (rest === undefined) return false;
  if (method !== 'GET') throw methodNotAllowed(method, path, ['GET']);
  const listing = await models.list();
  const globs = caller.kind === 'key' ? caller.key.models : null;
  const visible = globs === null ? listing.data : listing.data.filter((m) => keyMayUse(globs, m.id));
  if (rest === '') {
    sendJson(res, 200, globs === null ? listing : { ...listing, data: visible });
    return true;
  }
  const id = decodePathPart(rest, 'model id');
  const model = visible.find((m) => m.id === id);
  if (!model) {
    throw new GatewayError(404, `The model \`${id}\` does not exist or this key may not use it. GET /v1/models lists the models it may use.`, {
      type: 'invalid_request_error',
      code: 'model_not_found',
      param: 'model',
    });
  }
  sendJson(res, 200, model);
  return true;
}

/** '' for the list, the (still encoded) id for one model, undefined for other paths. */
function modelPath(path: string): string | undefined {
  for (const prefix of ['/v1/models', '/models']) {
    if (path === prefix) return '';
    if (path.startsWith(`${prefix}/`) && path.length > prefix.length + 1) return path.slice(prefix.length + 1);
  }
  return undefined;
}
