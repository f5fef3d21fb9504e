import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayConfig } from './config/types.js';
import { MoonshotProvider } from './providers/moonshot/moonshot-provider.js';
import { InMemoryReasoningMemory } from './providers/moonshot/reasoning-memory.js';
import type { ReasoningMemory } from './providers/moonshot/reasoning-memory.js';
import { OpenAICompatibleProvider } from './providers/openai-compatible/openai-compatible-provider.js';
import type { Provider } from './providers/types.js';
import { Router } from './router/router.js';
import { createHttpServer } from './server/http-server.js';
import type { RouteHandler } from './server/http-server.js';
import type { RequestObserver } from './server/request-outcome.js';
import { UpstreamPools } from './upstream/pool.js';

export interface GatewayOptions {
  reasoningMemory?: ReasoningMemory;
  /** Told about every finished chat request (logs, metrics). */
  observers?: RequestObserver[];
  /** Extra HTTP routes (logs API, admin, metrics). */
  routes?: RouteHandler[];
}

export interface Gateway {
  config: GatewayConfig;
  server: Server;
  /** Starts listening; resolves with the address clients should use. */
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

/** Wires config → providers → router → HTTP server. Nothing listens until `listen`. */
export function createGateway(config: GatewayConfig, options: GatewayOptions = {}): Gateway {
  const memory = options.reasoningMemory ?? new InMemoryReasoningMemory();
  const providers = new Map<string, Provider>();
  for (const p of Object.values(config.providers)) {
    providers.set(p.name, p.type === 'moonshot' ? new MoonshotProvider(p, memory) : new OpenAICompatibleProvider(p));
  }
  const pools = new UpstreamPools();
  const router = new Router(config, providers, pools);
  const server = createHttpServer({ config, router, observers: options.observers ?? [], routes: options.routes ?? [] });

  return {
    config,
    server,
    listen(port = config.server.port, host = config.server.host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const addr = server.address() as AddressInfo;
          const shownHost = addr.address === '0.0.0.0' || addr.address === '::' ? '127.0.0.1' : addr.address;
          resolve(`http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${addr.port}`);
        });
      });
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await pools.close();
    },
  };
}
