import type { CostBreakdown } from '../pricing/compute-cost.js';
import type { CostDetails } from './log-record.js';

export function costDetails(breakdown: CostBreakdown | null, webSearchCalls: number): CostDetails | null {
  if (breakdown === null) return null;
  return {
    input_usd: breakdown.input_usd,
    cached_input_usd: breakdown.cached_input_usd,
    output_usd: breakdown.output_usd,
    web_search_usd: breakdown.web_search_usd,
    web_search_calls: webSearchCalls,
  };
}
