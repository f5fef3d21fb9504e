import type { ProviderType } from '../config/types.js';
import { findModel } from './catalogue.js';

/**
 * OpenAI's reasoning models by name: the o-series (`o1`, `o3-mini`, `o4-mini-2025-04-16`) and
 * gpt-5 and later (`gpt-5`, `gpt-5.1`, `gpt-5.5`), not their `-chat` variants, which answer at once.
 */
const OPENAI_REASONING_ID = /^(o[1-9](-|$)|gpt-([5-9]|\d{2,})([.-]|$))/;

/**
 * Whether a model streams nothing at all while it reasons, so that a long silence before its first
 * chunk is thinking, not a dead upstream. OpenAI's reasoning models do so on Chat Completions (the
 * reasoning is hidden; the first chunk comes with the answer, often 20 s and more later), whoever
 * serves them (OpenAI, or an OpenAI-compatible proxy naming them `openai/o3`). Moonshot's models
 * stream their reasoning, and so do the open reasoning models (`reasoning_content`).
 * Known by the catalogue first, then by name, so that a new snapshot or version is covered too.
 */
export function streamsNothingWhileThinking(providerType: ProviderType, model: string): boolean {
  if (providerType === 'moonshot') return false;
  const known = findModel('openai', model);
  if (known) return known.thinking === 'always';
  const id = model.slice(model.lastIndexOf('/') + 1);
  return OPENAI_REASONING_ID.test(id) && !id.includes('-chat');
}
