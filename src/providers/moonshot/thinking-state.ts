import type { CatalogueModel } from '../../catalogue/catalogue.js';

/**
 * Whether the model will think on this request. Undefined when we cannot know (a model the
 * catalogue does not list and no explicit `thinking` field): callers then change nothing.
 */
export function isThinkingOn(model: CatalogueModel | undefined, body: Record<string, unknown>): boolean | undefined {
  const requested = thinkingType(body.thinking);
  if (!model) return requested === undefined ? undefined : requested === 'enabled';
  if (model.thinking === 'always') return true;
  if (model.thinking === 'none') return false;
  return requested !== 'disabled';
}

function thinkingType(thinking: unknown): string | undefined {
  if (thinking && typeof thinking === 'object' && 'type' in thinking) {
    const type = (thinking as { type: unknown }).type;
    return typeof type === 'string' ? type : undefined;
  }
  return undefined;
}
