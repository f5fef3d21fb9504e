import type { Adjustments } from '../adjustments.js';
import type { CatalogueModel } from '../../catalogue/catalogue.js';

/**
 * Moonshot deprecated `max_tokens` for `max_completion_tokens`; the moonshot-v1 family predates
 * that and knows only `max_tokens`. Send the limit under the name the model's family wants. When
 * a client sends both, `max_completion_tokens` wins, whatever the family: the one OpenAI and
 * Moonshot document, and the one the context-window check counts. Models the catalogue does not
 * know keep what the client sent.
 */
export function chooseMaxTokensParam(body: Record<string, unknown>, model: CatalogueModel | undefined, adjustments: Adjustments): void {
  if (!model) return;
  const current = given(body.max_completion_tokens);
  const legacy = given(body.max_tokens);
  if (current === undefined && legacy === undefined) return;
  const limit = current ?? legacy;
  // Left undefined rather than deleted: JSON.stringify omits it all the same, and `delete` would
  // turn the body into a slow dictionary-mode object for the rest of the request.
  if (model.max_tokens_param === 'max_tokens') {
    if (current === undefined) return;
    body.max_tokens = limit;
    body.max_completion_tokens = undefined;
    adjustments.add('max_completion_tokens', 'max_tokens');
    if (legacy !== undefined && legacy !== current) adjustments.add('max_tokens', `${legacy}->${current}(max_completion_tokens wins)`);
    return;
  }
  if (legacy === undefined) return;
  body.max_completion_tokens = limit;
  body.max_tokens = undefined;
  adjustments.add('max_tokens', current === undefined ? 'max_completion_tokens' : 'dropped(max_completion_tokens wins)');
}

function given(value: unknown): unknown {
  return value === null ? undefined : value;
}
