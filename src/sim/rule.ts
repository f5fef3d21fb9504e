import type { CatalogueModel } from '../catalogue/catalogue.js';
import { estimatePromptTokens } from './estimate-tokens.js';
import type { JsonRecord } from './json.js';
import { thinkingEnabled } from './thinking.js';
import type { SimError } from './types.js';

/** What every request rule sees: the parsed body, the catalogue model and the thinking state. */
export interface RuleContext {
  model: CatalogueModel;
  thinking: boolean;
  body: JsonRecord;
  messages: unknown[];
  /** Estimated prompt tokens (only the context-window rule reads it). */
  promptTokens: number;
}

/** A rule returns the first thing Moonshot would reject, or undefined when the request passes. */
export type Rule = (ctx: RuleContext) => SimError | undefined;

/** Builds the context for a body; `promptTokens` is estimated unless the caller already has it. */
export function ruleContext(model: CatalogueModel, body: JsonRecord, promptTokens?: number): RuleContext {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  return {
    model,
    thinking: thinkingEnabled(model, body),
    body,
    messages,
    promptTokens: promptTokens ?? estimatePromptTokens(messages, body.tools),
  };
}
