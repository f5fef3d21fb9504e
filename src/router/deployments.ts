import { findModel } from '../catalogue/catalogue.js';
import { catalogueProviderOf } from '../pricing/price-book.js';
import type { CredentialLimits } from '../config/types.js';
import type { Provider, UpstreamCredential } from '../providers/types.js';
import type { CallerCredentials } from '../server/caller-credentials.js';
import { GatewayError } from '../server/gateway-error.js';
import type { RouteTarget } from './resolve-model.js';
import { eligibleCredentials, toUpstream } from './select-credential.js';

/** One place a request can be sent: a provider's model served with one of its credentials. */
export interface Deployment {
  /** `provider/credential/model`: the unit of health (cooldowns). */
  key: string;
  /** `provider/credential`: the unit of limits and of 401-disabling. */
  limitKey: string;
  provider: Provider;
  credential: UpstreamCredential;
  limits: CredentialLimits | undefined;
  model: string;
  /** Share of traffic within its group: target weight × credential weight, normalized. */
  weight: number;
  contextWindow: number | undefined;
  /** The caller brought this key: a 401 is theirs to fix, and it is never disabled. */
  callerKey: boolean;
}

/**
 * Turns resolved targets into deployments, in groups: the alias's weighted targets first, then
 * each fallback in order. Weights split traffic across targets, then across each target's credentials.
 */
export function buildDeploymentGroups(
  groups: RouteTarget[][],
  providers: ReadonlyMap<string, Provider>,
  caller: CallerCredentials | undefined,
): Deployment[][] {
  return groups.map((targets) => {
    const totalTargetWeight = targets.reduce((sum, t) => sum + Math.max(0, t.weight), 0) || 1;
    return targets.flatMap((target) => {
      const provider = providers.get(target.provider);
      if (!provider) throw new GatewayError(404, `No provider named "${target.provider}" is configured.`, { code: 'model_not_found', param: 'model' });
      const credentials = eligibleCredentials(provider.config, target.model, caller);
      const totalCredentialWeight = credentials.reduce((sum, c) => sum + c.weight, 0) || 1;
      // The catalogue the price book uses too: by type for Moonshot and OpenAI, else by name.
      const contextWindow = findModel(catalogueProviderOf(provider.name, provider.config.type), target.model)?.context_window;
      return credentials.map((c): Deployment => {
        const credential = c.config ? toUpstream(provider.config, c.config) : c.upstream!;
        return {
          key: `${provider.name}/${credential.name}/${target.model}`,
          limitKey: `${provider.name}/${credential.name}`,
          provider,
          credential,
          limits: c.config?.limits,
          model: target.model,
          weight: (Math.max(0, target.weight) / totalTargetWeight) * (c.weight / totalCredentialWeight),
          contextWindow,
          callerKey: !c.config,
        };
      });
    });
  });
}
