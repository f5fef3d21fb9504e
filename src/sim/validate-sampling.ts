import { invalidRequest } from './errors.js';
import { present } from './json.js';
import type { JsonRecord } from './json.js';
import type { RuleContext } from './rule.js';
import { defaultTemperature } from './thinking.js';
import type { SimError } from './types.js';

type FixedField = 'top_p' | 'n' | 'presence_penalty' | 'frequency_penalty';
const FIXED_FIELDS: FixedField[] = ['top_p', 'n', 'presence_penalty', 'frequency_penalty'];

/** Sampling parameters: fixed-sampling models first (their texts are captured), then general ranges. */
export function validateSampling(ctx: RuleContext): SimError | undefined {
  return validateFixedSampling(ctx) ?? validateRanges(ctx);
}

/**
 * Captured: `invalid temperature: only 1 is allowed for this model` (kimi-k3) and `...only 0.6...`
 * (k2.5/k2.6 with thinking off). The same pattern for top_p, n and penalties is inferred.
 */
function validateFixedSampling({ model, thinking, body }: RuleContext): SimError | undefined {
  const fixed = model.fixed_sampling;
  if (!fixed) return undefined;
  const temperature = thinking ? fixed.temperature?.thinking : fixed.temperature?.no_thinking;
  if (temperature !== undefined && present(body, 'temperature') && body.temperature !== temperature) {
    return onlyAllowed('temperature', temperature);
  }
  for (const field of FIXED_FIELDS) {
    const allowed = fixed[field];
    if (allowed !== undefined && present(body, field) && body[field] !== allowed) return onlyAllowed(field, allowed);
  }
  return undefined;
}

function onlyAllowed(field: string, value: number): SimError {
  return invalidRequest(`invalid ${field}: only ${value} is allowed for this model`);
}

/** Ranges from Moonshot's docs; the wording of these messages is inferred. */
function validateRanges({ model, thinking, body }: RuleContext): SimError | undefined {
  const temperature = numberField(body, 'temperature');
  if (temperature === 'bad' || (temperature !== undefined && (temperature < 0 || temperature > 1))) {
    return invalidRequest('Invalid request: temperature must be a number in [0, 1]');
  }
  const topP = numberField(body, 'top_p');
  if (topP === 'bad' || (topP !== undefined && (topP < 0 || topP > 1))) {
    return invalidRequest('Invalid request: top_p must be a number in [0, 1]');
  }
  for (const field of ['presence_penalty', 'frequency_penalty'] as const) {
    const v = numberField(body, field);
    if (v === 'bad' || (v !== undefined && (v < -2 || v > 2))) {
      return invalidRequest(`Invalid request: ${field} must be a number in [-2, 2]`);
    }
  }
  const n = numberField(body, 'n');
  if (n === 'bad' || (n !== undefined && (!Number.isInteger(n) || n < 1 || n > 5))) {
    return invalidRequest('Invalid request: n must be an integer in [1, 5]');
  }
  if (n !== undefined && n > 1) {
    const t = temperature ?? defaultTemperature(model, thinking);
    if (t < 0.3) return invalidRequest(`Invalid request: n must be 1 when temperature is below 0.3 (temperature: ${t})`);
  }
  for (const field of ['max_tokens', 'max_completion_tokens'] as const) {
    const v = numberField(body, field);
    if (v === 'bad' || (v !== undefined && (!Number.isInteger(v) || v < 0))) {
      return invalidRequest(`Invalid request: ${field} must be a non-negative integer`);
    }
  }
  return validateStop(body);
}

/** `stop`: a string, or up to 5 strings of at most 32 bytes each. */
function validateStop(body: JsonRecord): SimError | undefined {
  if (!present(body, 'stop')) return undefined;
  const stop = body.stop;
  const list = typeof stop === 'string' ? [stop] : stop;
  if (!Array.isArray(list) || !list.every((s) => typeof s === 'string')) {
    return invalidRequest('Invalid request: stop must be a string or an array of strings');
  }
  if (list.length > 5) return invalidRequest('Invalid request: stop must have at most 5 items');
  for (const s of list as string[]) {
    if (Buffer.byteLength(s, 'utf8') > 32) return invalidRequest('Invalid request: each stop sequence must be at most 32 bytes');
  }
  return undefined;
}

/** undefined when absent (or null), 'bad' when not a finite number. */
function numberField(body: JsonRecord, key: string): number | 'bad' | undefined {
  if (!present(body, key)) return undefined;
  const v = body[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : 'bad';
}
