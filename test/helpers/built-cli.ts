import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { expect } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import { GLOBAL_KEY } from './stack.js';

const cli = fileURLToPath(new URL('../../dist/bundle/moongate.js', import.meta.url));

export interface BuiltCli {
  url: string;
  /** What it printed so far, stdout and stderr. */
  output(): string;
  /** Its exit code. */
  exited: Promise<number | null>;
  signal(name: NodeJS.Signals): void;
}

export interface BuiltCliOptions {
  /** Where its config file goes (`<name>.yaml`), and its working directory. */
  dir: string;
  name: string;
  sim: Simulator;
  dbPath: string;
  /** The `router:` value. */
  router?: string;
  /** Config lines put first. */
  yaml?: string;
  /** Node's own arguments (`--import` a module, say). */
  nodeArgs?: string[];
}

/**
 * `moongate start` from the built CLI (`npm run build` first) on a config with the simulator's
 * Moonshot and a SQLite store at `dbPath`, once it says it is ready.
 */
export async function startBuiltCli(options: BuiltCliOptions): Promise<BuiltCli> {
  const config = join(options.dir, `${options.name}.yaml`);
  writeFileSync(
    config,
    `${options.yaml ?? ''}store: sqlite:${options.dbPath}
router: ${options.router ?? '{ retries: 0 }'}
providers:
  moonshot:
    regions: { global: ${options.sim.globalBaseUrl}, cn: ${options.sim.cnBaseUrl} }
    credentials: [{ name: main, api_key: ${GLOBAL_KEY} }]
`,
  );
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), cli, 'start', '--config', config, '--host', '127.0.0.1', '--port', '0'], {
    cwd: options.dir,
    env: { PATH: process.env.PATH },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      started.delete(child);
      resolve(code);
    }),
  );
  await expect.poll(() => /listening on (http:\/\/\S+)/.exec(output)?.[1] && output.includes('moongate: ready'), { timeout: 15_000 }).toBeTruthy();
  return { url: /listening on (http:\/\/\S+)/.exec(output)![1]!, output: () => output, exited, signal: (name) => void child.kill(name) };
}

const started = new Set<ReturnType<typeof spawn>>();

/** Kills every CLI `startBuiltCli` started that has not exited (for afterAll). */
export function killBuiltClis(): void {
  for (const child of started) child.kill('SIGKILL');
}

/**
 * Load as clients make it: `workers` loops of chat requests, streams and JSON answers in turn,
 * until `stop()`. `completed` holds the request ids of those whose answer was read whole.
 */
export function chatLoad(url: string, workers: number): { completed: string[]; stop(): Promise<void> } {
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0 });
  const completed: string[] = [];
  let stopping = false;
  let n = 0;
  const worker = async (w: number): Promise<void> => {
    while (!stopping) {
      const i = n++;
      try {
        if (i % 2 === 0) {
          const { data, response } = await client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: `[[sim:tokens=${(i % 7) + 3}]] stream ${w}/${i}` }], stream: true }).withResponse();
          for await (const _chunk of data) {
            // read it all
          }
          completed.push(response.headers.get('x-moongate-request-id')!);
        } else {
          const { response } = await client.chat.completions.create({ model: 'moonshot/moonshot-v1-8k', messages: [{ role: 'user', content: `[[sim:tokens=${(i % 5) + 2}]] json ${w}/${i}` }] }).withResponse();
          completed.push(response.headers.get('x-moongate-request-id')!);
        }
      } catch {
        // Refused or cut once the gateway is going away: not completed, so no record is owed.
        if (stopping) return;
      }
    }
  };
  const running = Array.from({ length: workers }, (_, w) => worker(w));
  return {
    completed,
    async stop() {
      stopping = true;
      await Promise.all(running);
    },
  };
}
