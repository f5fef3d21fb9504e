import { catalogueModels } from '../catalogue/catalogue.js';
import type { GatewayConfig } from '../config/types.js';

interface ModelEntry {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  [extra: string]: unknown;
}

/**
 * GET /v1/models: configured aliases first, then every catalogue model of a configured provider,
 * addressed as `provider/model` (what a client sends to reach it directly).
 */
export function listModels(config: GatewayConfig): { object: 'list'; data: ModelEntry[] } {
  const data: ModelEntry[] = [];
  for (const alias of config.models) {
    data.push({ id: alias.name, object: 'model', created: 0, owned_by: 'moongate', targets: alias.targets.map((t) => t.model), fallbacks: alias.fallbacks });
  }
  for (const provider of Object.values(config.providers)) {
    if (provider.type !== 'moonshot') continue;
    for (const m of catalogueModels('moonshot')) {
      data.push({
        id: `${provider.name}/${m.id}`,
        object: 'model',
        created: 0,
        owned_by: 'moonshot',
        context_window: m.context_window,
        supports_image_in: m.vision,
        supports_video_in: m.video,
        supports_reasoning: m.thinking !== 'none',
        ...(m.retired_on ? { retired_on: m.retired_on } : {}),
      });
    }
  }
  return { object: 'list', data };
}
