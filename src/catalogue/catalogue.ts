import anthropicData from './anthropic-models.json' with { type: 'json' };
import moonshotData from './moonshot-models.json' with { type: 'json' };
import openaiData from './openai-models.json' with { type: 'json' };

/** Whether a model thinks: always, unless the request turns it off, or never. */
export type ThinkingMode = 'always' | 'default_on' | 'none';

/** The only sampling values a fixed-sampling model accepts; anything else is a 400 upstream. */
export interface FixedSampling {
  temperature?: { thinking?: number; no_thinking?: number };
  top_p?: number;
  n?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
}

/** USD per 1M tokens. `cached_input` null means the model has no cache-hit price. */
export interface ModelPrice {
  input: number;
  cached_input: number | null;
  output: number;
}

export interface CatalogueModel {
  id: string;
  provider: string;
  family: string;
  context_window: number;
  vision: boolean;
  video: boolean;
  thinking: ThinkingMode;
  fixed_sampling?: FixedSampling;
  /** Accepts tool_choice "required" or a named tool while thinking is on. */
  forced_tool_choice?: boolean;
  /** False when the builtin `$web_search` is refused while thinking is on (kimi-k2.5). */
  web_search_with_thinking?: boolean;
  default_temperature?: number;
  max_tokens_param?: 'max_tokens' | 'max_completion_tokens';
  retired_on?: string;
  /** Other ids of the same model at the same price (dated snapshots, `-latest` names). */
  aliases?: string[];
  price: ModelPrice | null;
  /** OpenAI's priority tier, where it has a price of its own (it is no fixed multiple of `price`). */
  priority_price?: ModelPrice;
}

type RawModel = Omit<CatalogueModel, 'provider'>;

const moonshotModels: CatalogueModel[] = (moonshotData.models as RawModel[]).map((m) => ({
  ...m,
  provider: 'moonshot',
}));

// OpenAI and Anthropic entries carry prices (for cost in logs) and context windows (the router's
// context guard); bare names still resolve to Moonshot models only (findBareModel).
const otherModels: CatalogueModel[] = [
  ...(openaiData.models as RawModel[]).map((m) => ({ ...m, provider: 'openai' })),
  ...(anthropicData.models as RawModel[]).map((m) => ({ ...m, provider: 'anthropic' })),
];
const allModels = [...moonshotModels, ...otherModels];

const byId = new Map<string, CatalogueModel>();
for (const m of allModels) {
  byId.set(`${m.provider}/${m.id}`, m);
  for (const alias of m.aliases ?? []) byId.set(`${m.provider}/${alias}`, m);
}

/** Every model the catalogue knows, for one provider or all. */
export function catalogueModels(provider?: string): CatalogueModel[] {
  return provider ? allModels.filter((m) => m.provider === provider) : [...allModels];
}

/** Look a model up by provider and id; undefined for models the catalogue does not know. */
export function findModel(provider: string, id: string): CatalogueModel | undefined {
  return byId.get(`${provider}/${id}`);
}

/** Resolve a bare model name (`kimi-k2.6`) to the provider that serves it. */
export function findBareModel(id: string): CatalogueModel | undefined {
  for (const m of moonshotModels) if (m.id === id) return m;
  return undefined;
}
