import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { parseConfigText } from '../../src/config/index.js';
import { createGatewayWithStore } from '../../src/gateway.js';
import type { GatewayWithStore } from '../../src/gateway.js';
import type { LogWriterOptions } from '../../src/logs/log-writer.js';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator, SimulatorOptions } from '../../src/sim/index.js';
import type { Store } from '../../src/store/store.js';
import { GLOBAL_KEY } from './stack.js';

export interface LogsStack {
  sim: Simulator;
  gateway: GatewayWithStore;
  /** Gateway base URL without /v1. */
  url: string;
  client: OpenAI;
  /** Temp folder holding the database and the spool; removed on close. */
  dir: string;
  dbPath: string;
  /** Writes every queued log record now. */
  flush(): Promise<void>;
  /** GET (or another method) on the gateway, parsed; `token` goes in Authorization. */
  api(path: string, init?: { method?: string; body?: unknown; token?: string }): Promise<{ status: number; json: any; text: string }>;
  close(): Promise<void>;
}

export interface LogsStackOptions {
  /** Replaces the default config; `${SIM}` becomes the simulator's URL. `store:` is set by the helper. */
  configYaml?: string;
  sim?: SimulatorOptions;
  /** A store to use instead of opening the temp database (e.g. a failing wrapper around one). */
  store?: (dbPath: string) => Promise<Store>;
  writer?: Partial<LogWriterOptions>;
  /** Encrypts provider keys added over /admin/credentials (instead of $MOONGATE_SECRET). */
  secret?: string;
}

/**
 * The simulator and a gateway with the store wired in (`createGatewayWithStore`), its SQLite
 * database and spool in a temp folder. Log records are flushed every 20 ms.
 */
export async function startLogsStack(options: LogsStackOptions = {}): Promise<LogsStack> {
  const dir = mkdtempSync(join(tmpdir(), 'moongate-logs-'));
  const dbPath = join(dir, 'moongate.db');
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
  const config = parseConfigText(`${yaml}\nstore: sqlite:${dbPath}\n`, 'test.yaml', {});
  const store = options.store ? await options.store(dbPath) : undefined;
  const gateway = await createGatewayWithStore(config, {
    ...(store ? { store } : {}),
    ...(options.secret ? { secret: options.secret } : {}),
    processMetrics: false,
    writer: { flushIntervalMs: 20, retryMinMs: 50, retryMaxMs: 200, warn: () => {}, ...options.writer },
  });
  const url = await gateway.listen(0, '127.0.0.1');
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused-in-open-mode', maxRetries: 0 });
  return {
    sim,
    gateway,
    url,
    client,
    dir,
    dbPath,
    flush: () => gateway.observability.writer.flush(),
    async api(path, init = {}) {
      const res = await fetch(`${url}${path}`, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers: {
          ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
          ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(init.body !== undefined ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) } : {}),
      });
      const text = await res.text();
      let json: any;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: res.status, json, text };
    },
    async close() {
      await gateway.close(1_000);
      await store?.close();
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every record the gateway has, newest first, following cursors. */
export async function allLogs(stack: LogsStack, query = ''): Promise<any[]> {
  const out: any[] = [];
  let cursor: string | null = null;
  do {
    const sep = query ? '&' : '';
    const res = await stack.api(`/v1/logs?limit=1000${sep}${query}${cursor ? `&cursor=${cursor}` : ''}`);
    if (res.status !== 200) throw new Error(`GET /v1/logs answered ${res.status}: ${res.text}`);
    out.push(...res.json.data);
    cursor = res.json.next_cursor;
  } while (cursor);
  return out;
}
