import type { CatalogueModel } from '../catalogue/catalogue.js';
import { invalidRequest, modelNotFound } from './errors.js';
import { estimatePromptTokens } from './estimate-tokens.js';
import type { Exchange } from './exchange.js';
import { isRecord } from './json.js';
import type { ResolvedKey } from './keys.js';
import { servedModel, servedModels } from './served-models.js';
import type { ModelAvailability } from './served-models.js';

/** Moonshot does not publish creation times; a fixed value keeps the listing deterministic. */
const MODEL_CREATED = 1767225600;

function modelObject(m: CatalogueModel): Record<string, unknown> {
  return {
    id: m.id,
    object: 'model',
    created: MODEL_CREATED,
    owned_by: 'moonshot',
    context_length: m.context_window,
    supports_image_in: m.vision,
    supports_video_in: m.video,
    supports_reasoning: m.thinking !== 'none',
  };
}

let modelListBody: string | undefined;

/**
 * GET /v1/models — built once: the catalogue does not change while the process runs. With
 * `retireModels` the list depends on the clock, so it is built per request.
 */
export function handleListModels(ex: Exchange, a: ModelAvailability): void {
  if (a.retireModels) return ex.send(200, JSON.stringify({ object: 'list', data: servedModels(a).map(modelObject) }));
  modelListBody ??= JSON.stringify({ object: 'list', data: servedModels(a).map(modelObject) });
  ex.send(200, modelListBody);
}

/** GET /v1/models/{id}. */
export function handleGetModel(ex: Exchange, id: string, a: ModelAvailability): void {
  const model = servedModel(id, a);
  if (!model) return ex.sendError(modelNotFound(id));
  ex.send(200, JSON.stringify(modelObject(model)));
}

/** POST /v1/tokenizers/estimate-token-count — the same estimate chat usage reports. */
export function handleEstimateTokens(ex: Exchange, body: unknown, a: ModelAvailability): void {
  if (!isRecord(body)) return ex.sendError(invalidRequest('Invalid request: request body must be a JSON object'));
  if (typeof body.model !== 'string') return ex.sendError(invalidRequest('Invalid request: model is required'));
  if (!servedModel(body.model, a)) return ex.sendError(modelNotFound(body.model));
  if (!Array.isArray(body.messages)) return ex.sendError(invalidRequest('Invalid request: messages must be an array'));
  ex.send(200, JSON.stringify({ data: { total_tokens: estimatePromptTokens(body.messages, body.tools) } }));
}

/** GET /v1/users/me/balance — CNY on .cn and USD on .ai upstream; the simulator does not convert. */
export function handleBalance(ex: Exchange, key: ResolvedKey): void {
  const balance = key.balance;
  ex.send(
    200,
    JSON.stringify({
      code: 0,
      data: { available_balance: balance, voucher_balance: 0, cash_balance: balance },
      scode: '0x0',
      status: true,
    }),
  );
}
