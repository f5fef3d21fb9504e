import type { Adjustments } from '../adjustments.js';
import type { CatalogueModel } from '../../catalogue/catalogue.js';

/**
 * Moonshot deprecated `max_tokens` for `max_completion_tokens`; the moonshot-v1 family predates
 * that and knows only `max_tokens`. Send the limit under the name the model's family wants.
 * Models the catalogue does not know keep what the client sent.
 */
export function chooseMaxTokensParam(
  body: Record<string, unknown>,
  model: CatalogueModel | undefined,
  adjustments: Adjustments,
): void {
  if (!model) return;
  const wanted = model.max_tokens_param ?? 'max_completion_tokens';
  const other = wanted === 'max_tokens' ? 'max_completion_tokens' : 'max_tokens';
  if (body[other] === undefined) return;
  if (body[wanted] === undefined || body[wanted] === null) body[wanted] = body[other];
  // Left undefined rather than deleted: JSON.stringify omits it all the same, and `delete` would
  // turn the body into a slow dictionary-mode object for the rest of the request.
  body[other] = undefined;
  adjustments.add(other, wanted);
}
