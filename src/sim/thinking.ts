import type { CatalogueModel } from '../catalogue/catalogue.js';
import { isRecord } from './json.js';
import type { JsonRecord } from './json.js';

/** Whether this request runs with thinking on: `always` models think, `default_on` unless disabled. */
export function thinkingEnabled(model: CatalogueModel, body: JsonRecord): boolean {
  if (model.thinking === 'always') return true;
  if (model.thinking === 'none') return false;
  return !(isRecord(body.thinking) && body.thinking.type === 'disabled');
}

/** Docs: v1 0.0, k2 0.6, thinking 1.0; fixed-sampling models use their one allowed value. */
export function defaultTemperature(model: CatalogueModel, thinking: boolean): number {
  const fixed = model.fixed_sampling?.temperature;
  const fixedValue = thinking ? fixed?.thinking : fixed?.no_thinking;
  if (fixedValue !== undefined) return fixedValue;
  if (model.default_temperature !== undefined) return model.default_temperature;
  return thinking ? 1 : 0.6;
}
