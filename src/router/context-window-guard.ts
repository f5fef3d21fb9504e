import { GatewayError } from '../server/gateway-error.js';
import type { Deployment } from './deployments.js';
import type { RouteInfo } from './router.js';

/**
 * Drops deployments whose model's context window is smaller than the request needs, so an
 * oversized request goes straight to a fallback with a larger window instead of a round trip
 * that fails. With nothing left, a 400 with the numbers. Models of unknown window are kept.
 */
export function guardContextWindow(groups: Deployment[][], needed: number, promptTokens: number, route: RouteInfo): Deployment[][] {
  const skipped = new Map<string, number>();
  const kept = groups
    .map((group) =>
      group.filter((d) => {
        if (d.contextWindow === undefined || d.contextWindow >= needed) return true;
        skipped.set(`${d.provider.name}/${d.model}`, d.contextWindow);
        return false;
      }),
    )
    .filter((group) => group.length > 0);
  if (skipped.size === 0) return groups;
  if (kept.length === 0) {
    const windows = [...skipped].map(([model, window]) => `${model} ${window}`).join(', ');
    throw new GatewayError(
      400,
      `The request needs about ${needed} tokens (prompt ≈ ${promptTokens} + max completion ${needed - promptTokens}), more than the context window of every model it may go to: ${windows}. Shorten the prompt, lower max_completion_tokens, or add a fallback with a larger window.`,
      { type: 'invalid_request_error', code: 'context_length_exceeded', param: 'messages' },
    );
  }
  route.notes.push(`context_window=skipped(${[...skipped.keys()].join('+')})`);
  return kept;
}
