import { catalogueModels, findModel } from '../catalogue/catalogue.js';
import type { CatalogueModel } from '../catalogue/catalogue.js';

/** Which catalogue models the simulator answers for. */
export interface ModelAvailability {
  /** Answer a model whose `retired_on` date has come as Moonshot does: 404, as if unknown. */
  retireModels: boolean;
  now: () => number;
}

/** True once the `now` clock has reached the model's `retired_on` day (UTC). */
export function isRetired(model: CatalogueModel, nowMs: number): boolean {
  if (model.retired_on === undefined) return false;
  const day = Date.parse(`${model.retired_on}T00:00:00Z`);
  return Number.isFinite(day) && nowMs >= day;
}

/** The Moonshot model the simulator serves under this id, or undefined (404 upstream). */
export function servedModel(id: string, a: ModelAvailability): CatalogueModel | undefined {
  const model = findModel('moonshot', id);
  if (!model || (a.retireModels && isRetired(model, a.now()))) return undefined;
  return model;
}

/** Every model the simulator serves, in catalogue order. */
export function servedModels(a: ModelAvailability): CatalogueModel[] {
  const all = catalogueModels('moonshot');
  if (!a.retireModels) return all;
  const now = a.now();
  return all.filter((m) => !isRetired(m, now));
}
