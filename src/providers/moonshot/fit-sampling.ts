import type { Adjustments } from '../adjustments.js';
import type { CatalogueModel, FixedSampling } from '../../catalogue/catalogue.js';

const FIXED_FIELDS = ['temperature', 'top_p', 'n', 'presence_penalty', 'frequency_penalty'] as const;
type FixedField = (typeof FIXED_FIELDS)[number];

/** Below this temperature Moonshot rejects `n > 1` (it would return n identical answers). */
const MIN_TEMPERATURE_FOR_N = 0.3;

/**
 * Fits sampling parameters into what Moonshot accepts:
 * - families with fixed sampling (kimi-k2.5/k2.6, kimi-k3's temperature) reject any other value,
 *   so a differing value is dropped and the model's own value applies;
 * - elsewhere temperature is capped at 1 (OpenAI allows 2), and raised to 0.3 when `n > 1`.
 */
export function fitSampling(
  body: Record<string, unknown>,
  model: CatalogueModel | undefined,
  thinkingOn: boolean | undefined,
  adjustments: Adjustments,
): void {
  if (model?.fixed_sampling) {
    dropDisallowedFixedValues(body, model.fixed_sampling, thinkingOn ?? true, adjustments);
    return;
  }
  const temperature = body.temperature;
  if (typeof temperature === 'number' && temperature > 1) {
    body.temperature = 1;
    adjustments.add('temperature', `${temperature}->1`);
  }
  const n = body.n;
  if (typeof n === 'number' && n > 1) {
    const effective = typeof body.temperature === 'number' ? body.temperature : (model?.default_temperature ?? undefined);
    if (effective !== undefined && effective < MIN_TEMPERATURE_FOR_N) {
      body.temperature = MIN_TEMPERATURE_FOR_N;
      adjustments.add('temperature', `${effective}->${MIN_TEMPERATURE_FOR_N}(n>1)`);
    }
  }
}

function dropDisallowedFixedValues(
  body: Record<string, unknown>,
  fixed: FixedSampling,
  thinkingOn: boolean,
  adjustments: Adjustments,
): void {
  for (const field of FIXED_FIELDS) {
    if (body[field] === undefined || body[field] === null) continue;
    const allowed = allowedValue(fixed, field, thinkingOn);
    if (allowed === undefined || body[field] === allowed) continue;
    // Left undefined rather than deleted (serialized the same): a delete makes the body a slow dictionary object.
    body[field] = undefined;
    adjustments.add(field, 'dropped(fixed by model)');
  }
}

function allowedValue(fixed: FixedSampling, field: FixedField, thinkingOn: boolean): number | undefined {
  if (field === 'temperature') return thinkingOn ? fixed.temperature?.thinking : fixed.temperature?.no_thinking;
  return fixed[field];
}
