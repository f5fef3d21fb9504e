import { lazyUndiciRequest as request } from '../upstream/lazy-undici-request.js';
import { catalogueModels, findModel } from '../catalogue/catalogue.js';
import type { GatewayConfig, ProviderConfig } from '../config/types.js';
import { resolveBaseUrl } from '../config/base-url.js';
import { catalogueProviderOf } from '../pricing/price-book.js';

interface ModelEntry {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  [extra: string]: unknown;
}

interface CachedList {
  /** Epoch ms until which the list is served from the cache. */
  until: number;
  entries: ModelEntry[];
}

const TTL_MS = 10 * 60 * 1000;
/** A provider that could not be asked is not asked again for this long (its fallback list is served). */
const FAILURE_TTL_MS = 60 * 1000;
const FETCH_TIMEOUT_MS = 3_000;

/**
 * GET /v1/models: configured aliases first, then each provider's models addressed as
 * `provider/model`. A provider with a key is asked for its live list (cached for ten minutes, so
 * retired models disappear and new ones appear); Moonshot entries are enriched with catalogue
 * facts. When the live list cannot be had, a provider the catalogue knows (Moonshot, OpenAI, and
 * Anthropic under its own name: the catalogue the price book uses) falls back to the catalogue.
 */
export class ModelListing {
  private readonly cache = new Map<string, CachedList>();
  private readonly inFlight = new Map<string, Promise<ModelEntry[]>>();

  constructor(private readonly config: GatewayConfig) {}

  async list(): Promise<{ object: 'list'; data: ModelEntry[] }> {
    const aliases: ModelEntry[] = this.config.models.map((alias) => ({
      id: alias.name,
      object: 'model',
      created: 0,
      owned_by: 'moongate',
      targets: alias.targets.map((t) => t.model),
      fallbacks: alias.fallbacks,
    }));
    const perProvider = await Promise.all(Object.values(this.config.providers).map((p) => this.providerModels(p)));
    return { object: 'list', data: [...aliases, ...perProvider.flat()] };
  }

  private async providerModels(provider: ProviderConfig): Promise<ModelEntry[]> {
    const cached = this.cache.get(provider.name);
    if (cached && Date.now() < cached.until) return cached.entries;
    let pending = this.inFlight.get(provider.name);
    if (!pending) {
      pending = this.fetchLive(provider)
        .then((live) => {
          const entries = live ?? fallbackEntries(provider);
          this.cache.set(provider.name, { until: Date.now() + (live ? TTL_MS : FAILURE_TTL_MS), entries });
          return entries;
        })
        .finally(() => this.inFlight.delete(provider.name));
      this.inFlight.set(provider.name, pending);
    }
    return pending;
  }

  private async fetchLive(provider: ProviderConfig): Promise<ModelEntry[] | undefined> {
    const credential = provider.credentials[0];
    if (!credential) return undefined;
    const baseUrl = resolveBaseUrl(provider, credential);
    if (!baseUrl) return undefined;
    try {
      const res = await request(`${baseUrl}/models`, {
        headers: { authorization: `Bearer ${credential.api_key}` },
        headersTimeout: FETCH_TIMEOUT_MS,
        bodyTimeout: FETCH_TIMEOUT_MS,
      });
      const body = (await res.body.json()) as { data?: unknown };
      if (res.statusCode !== 200 || !Array.isArray(body.data)) return undefined;
      return body.data.flatMap((m) => (m && typeof m === 'object' && typeof (m as { id?: unknown }).id === 'string' ? [liveEntry(provider, m as Record<string, unknown>)] : []));
    } catch {
      return undefined;
    }
  }
}

function liveEntry(provider: ProviderConfig, m: Record<string, unknown>): ModelEntry {
  const id = m.id as string;
  const known = provider.type === 'moonshot' ? findModel('moonshot', id) : undefined;
  return {
    ...m,
    id: `${provider.name}/${id}`,
    object: 'model',
    created: typeof m.created === 'number' ? m.created : unixSeconds(m.created_at),
    owned_by: typeof m.owned_by === 'string' ? m.owned_by : provider.name,
    ...(known ? catalogueFacts(known) : {}),
    // What the provider says of its own model wins over the catalogue's copy.
    ...(typeof m.context_length === 'number' ? { context_length: m.context_length } : {}),
  };
}

function fallbackEntries(provider: ProviderConfig): ModelEntry[] {
  const catalogueProvider = catalogueProviderOf(provider.name, provider.type);
  return catalogueModels(catalogueProvider).map((m) => ({
    id: `${provider.name}/${m.id}`,
    object: 'model',
    created: 0,
    owned_by: catalogueProvider,
    ...catalogueFacts(m),
  }));
}

/**
 * OpenAI's `created` (Unix seconds) from the RFC 3339 `created_at` of lists in Anthropic's shape
 * (its models API, and hosts copying it); 0 when there is none.
 */
function unixSeconds(createdAt: unknown): number {
  const ms = typeof createdAt === 'string' ? Date.parse(createdAt) : NaN;
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : 0;
}

/** What the catalogue knows, the same whether the list is live or the catalogue's own. */
function catalogueFacts(m: ReturnType<typeof catalogueModels>[number]): Record<string, unknown> {
  return {
    context_window: m.context_window,
    // Moonshot's own name for it, which its live list carries: one shape for both kinds of entry.
    context_length: m.context_window,
    supports_image_in: m.vision,
    supports_video_in: m.video,
    supports_reasoning: m.thinking !== 'none',
    ...(m.retired_on ? { retired_on: m.retired_on } : {}),
  };
}
