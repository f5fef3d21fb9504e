import { catalogueModels, findModel } from '../catalogue/catalogue.js';
import type { ModelPrice } from '../catalogue/catalogue.js';
import type { ModelPriceOverride, ProviderType } from '../config/types.js';
import toolPrices from './tool-prices.json' with { type: 'json' };

/** What the price book needs to know of a configured provider. */
export interface PricedProvider {
  type: ProviderType;
}

/** Where a model's price came from; `none` means unknown (cost null, never 0). */
export type PriceSource = 'catalogue' | 'config' | 'none';

export interface PriceQuote {
  /** USD per 1M tokens, or null when the model's price is not known. */
  price: ModelPrice | null;
  source: PriceSource;
  /** The catalogue provider the model was priced under (`moonshot` for every Moonshot-type provider). */
  catalogueProvider: string | undefined;
  /** The catalogue's priority-tier price; not with a `pricing:` override, which it would contradict. */
  priorityPrice?: ModelPrice;
}

const UNKNOWN: PriceQuote = { price: null, source: 'none', catalogueProvider: undefined };
// Model names come from callers; the memo must not grow with every typo a client sends.
const MAX_MEMO = 10_000;

/**
 * Prices per provider and model: the built-in catalogue, overridden per `provider/model` by the
 * config's `pricing:`. A provider of type `moonshot` under another name (`moonshot-team-b`) is
 * priced as Moonshot; any other provider by its own name (so `anthropic/claude-…` through an
 * OpenAI-compatible provider named `anthropic` finds Anthropic's prices).
 */
export class PriceBook {
  private readonly memo = new Map<string, PriceQuote>();

  constructor(
    private readonly providers: Readonly<Record<string, PricedProvider>>,
    /** Keyed `provider/model`, the provider one of `providers` (as config validation ensures). */
    private readonly overrides: Readonly<Record<string, ModelPriceOverride>>,
  ) {}

  /**
   * The price of `model` at `provider`. Without a provider (ingested logs) the model may be
   * `provider/model` or a bare catalogue id (`gpt-4o`, `kimi-k2.6`).
   */
  quote(provider: string | undefined, model: string | undefined): PriceQuote {
    if (model === undefined || model === '') return UNKNOWN;
    const key = `${provider ?? ''}\u0000${model}`;
    let quote = this.memo.get(key);
    if (quote === undefined) {
      quote = this.lookUp(provider, model);
      if (this.memo.size >= MAX_MEMO) this.memo.clear();
      this.memo.set(key, quote);
    }
    return quote;
  }

  /** The model is in the catalogue, or priced by the config: one of a bounded set of names. */
  knows(provider: string | undefined, model: string): boolean {
    if (this.quote(provider, model).price !== null) return true;
    return provider !== undefined && findModel(this.catalogueProviderOf(provider), model) !== undefined;
  }

  /** USD per call of a provider's built-in tool (`$web_search`), or undefined when it has none. */
  toolPrice(catalogueProvider: string | undefined, tool: string): number | undefined {
    if (catalogueProvider === undefined) return undefined;
    const table = (toolPrices as Record<string, unknown>)[catalogueProvider];
    if (!table || typeof table !== 'object') return undefined;
    const price = (table as Record<string, unknown>)[tool];
    return typeof price === 'number' ? price : undefined;
  }

  private lookUp(provider: string | undefined, model: string): PriceQuote {
    if (provider === undefined) return this.lookUpUnqualified(model);
    const catalogueProvider = this.catalogueProviderOf(provider);
    const known = findModel(catalogueProvider, model);
    const override = this.overrides[`${provider}/${model}`] ?? this.overrides[`${catalogueProvider}/${model}`];
    const quote = merge(known?.price ?? null, override, catalogueProvider);
    return quote.source === 'catalogue' && known?.priority_price ? { ...quote, priorityPrice: known.priority_price } : quote;
  }

  private lookUpUnqualified(model: string): PriceQuote {
    const slash = model.indexOf('/');
    if (slash > 0) {
      const provider = model.slice(0, slash);
      if (this.providers[provider] !== undefined || catalogueModels(provider).length > 0) return this.lookUp(provider, model.slice(slash + 1));
    }
    const known = catalogueModels().find((m) => m.id === model || m.aliases?.includes(model));
    if (known) return this.lookUp(known.provider, model);
    // Overrides are keyed `provider/model` with a configured provider (config validation refuses
    // bare ids), and such a model was looked up above: no override can name this one.
    return UNKNOWN;
  }

  private catalogueProviderOf(provider: string): string {
    return catalogueProviderOf(provider, this.providers[provider]?.type);
  }
}

/** The catalogue a provider is priced from: its type's for `moonshot` and `openai`, else its own name. */
export function catalogueProviderOf(provider: string, type: ProviderType | undefined): string {
  if (type === 'moonshot') return 'moonshot';
  if (type === 'openai') return 'openai';
  return provider;
}

/** A config override on top of the catalogue price; an override alone must name input and output. */
function merge(base: ModelPrice | null, override: ModelPriceOverride | undefined, catalogueProvider: string | undefined): PriceQuote {
  if (override === undefined) return base ? { price: base, source: 'catalogue', catalogueProvider } : { ...UNKNOWN, catalogueProvider };
  const input = override.input ?? base?.input;
  const output = override.output ?? base?.output;
  if (input === undefined || output === undefined) return { ...UNKNOWN, catalogueProvider };
  const cached = override.cached_input !== undefined ? override.cached_input : (base?.cached_input ?? null);
  return { price: { input, cached_input: cached, output }, source: 'config', catalogueProvider };
}
