import type { Simulator } from './types.js';

/** Keys that exercise each naming rule; any `sk-…` key works, these are just easy to copy. */
export const SAMPLE_KEYS = {
  global: 'sk-sim-global-demo',
  cn: 'sk-cn-sim-demo',
  tier0: 'sk-sim-tier0-demo',
  noBalance: 'sk-sim-nobalance-demo',
  revoked: 'sk-sim-revoked-demo',
} as const;

/** What `moongate sim` prints on start-up: where to point a client, which keys to use, how to break things. */
export function simulatorBanner(sim: Pick<Simulator, 'url' | 'globalBaseUrl' | 'cnBaseUrl'>): string {
  return [
    `Moonshot simulator listening on ${sim.url}`,
    '',
    `  Global (api.moonshot.ai): ${sim.globalBaseUrl}   key e.g. ${SAMPLE_KEYS.global}`,
    `  China  (api.moonshot.cn): ${sim.cnBaseUrl}   key e.g. ${SAMPLE_KEYS.cn}`,
    '',
    '  Keys need no registration. sk-cn-… keys work only on /cn/v1, all other sk-… keys only on /v1.',
    `  Put -tier0- … -tier5- in a key for Moonshot's rate limits (${SAMPLE_KEYS.tier0}),`,
    `  "nobalance" for an empty account (${SAMPLE_KEYS.noBalance}), "revoked" for a dead key.`,
    '',
    '  Try it:',
    `    curl ${sim.globalBaseUrl}/chat/completions -H 'Authorization: Bearer ${SAMPLE_KEYS.global}' \\`,
    `      -H 'content-type: application/json' -d '{"model":"kimi-k2.6","messages":[{"role":"user","content":"hi"}]}'`,
    '',
    '  Directives in the last user message: [[sim:error=429,after=3]] [[sim:latency=500]] [[sim:token_delay=50]]',
    '    [[sim:cut=3]] [[sim:stream_error=2]] [[sim:garbage]] [[sim:tokens=100]] [[sim:fixture=moonshotai-usage-live]]',
    '  Faults for the next requests:',
    `    curl -X POST ${sim.url}/_sim/faults -d '{"status":500,"times":2}'`,
    `  Inspect / reset: GET ${sim.url}/_sim/requests, GET ${sim.url}/_sim/stats, POST ${sim.url}/_sim/reset`,
    '  Docs: docs/simulator.md',
  ].join('\n');
}
