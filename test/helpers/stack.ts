import OpenAI from 'openai';
import { parseConfigText } from '../../src/config/index.js';
import { createGateway } from '../../src/gateway.js';
import type { Gateway } from '../../src/gateway.js';
import { startSimulator } from '../../src/sim/index.js';
import type { RecordedRequest, Simulator, SimulatorOptions } from '../../src/sim/index.js';

export const GLOBAL_KEY = 'sk-test-global-0001';
export const CN_KEY = 'sk-cn-test-0001';

export interface Stack {
  sim: Simulator;
  gateway: Gateway;
  /** Gateway base URL without /v1. */
  url: string;
  client: OpenAI;
  /** A client that talks to the simulator directly (to show what fails without the gateway). */
  direct: OpenAI;
  close(): Promise<void>;
}

/**
 * The simulator plus a real gateway over HTTP in front of it. `configYaml` replaces the default
 * config; `${SIM}` in it becomes the simulator's URL. The default makes one attempt and never
 * cools a deployment down: tests that drive upstream errors on purpose would otherwise trip the
 * circuit breaker for the tests after them. Resilience tests configure the router themselves.
 */
export async function startStack(options: { configYaml?: string; sim?: SimulatorOptions; env?: NodeJS.ProcessEnv } = {}): Promise<Stack> {
  const sim = await startSimulator({ quiet: true, ...options.sim });
  const yaml =
    options.configYaml?.replaceAll('${SIM}', sim.url) ??
    `
router: { retries: 0, cooldown: { fails: 1000 } }
providers:
  moonshot:
    regions: { global: ${sim.globalBaseUrl}, cn: ${sim.cnBaseUrl} }
    credentials:
      - { name: main, api_key: ${GLOBAL_KEY}, region: global }
`;
  const config = parseConfigText(yaml, 'test.yaml', options.env ?? {});
  const gateway = createGateway(config);
  const url = await gateway.listen(0, '127.0.0.1');
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused-in-open-mode', maxRetries: 0 });
  const direct = new OpenAI({ baseURL: sim.globalBaseUrl, apiKey: GLOBAL_KEY, maxRetries: 0 });
  return {
    sim,
    gateway,
    url,
    client,
    direct,
    async close() {
      await gateway.close();
      await sim.close();
    },
  };
}

/** A second gateway (with its own config) in front of an existing simulator. */
export async function startGatewayOn(sim: Simulator, yaml: string): Promise<{ gateway: Gateway; url: string; client: OpenAI; close(): Promise<void> }> {
  const config = parseConfigText(yaml.replaceAll('${SIM}', sim.url), 'test.yaml', {});
  const gateway = createGateway(config);
  const url = await gateway.listen(0, '127.0.0.1');
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'test-caller', maxRetries: 0 });
  return { gateway, url, client, close: () => gateway.close() };
}

/** The simulator's n-th chat request (0-based; -1 = last). */
function upstreamChat(sim: Simulator, n: number): RecordedRequest {
  const chats = sim.requests.filter((r) => r.path.endsWith('/chat/completions'));
  const r = n < 0 ? chats[chats.length + n] : chats[n];
  if (!r) throw new Error(`the simulator received no chat request #${n}`);
  return r;
}

/** The body the simulator received for its n-th chat request (0-based; -1 = last). */
export function upstreamBody(sim: Simulator, n = -1): Record<string, any> {
  return upstreamChat(sim, n).body as Record<string, any>;
}

/** The same body's text, exactly as it arrived. */
export function upstreamText(sim: Simulator, n = -1): string {
  return upstreamChat(sim, n).text;
}

export async function postRaw(url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json, headers: res.headers };
}
