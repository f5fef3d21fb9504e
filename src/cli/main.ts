#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { keysCommand } from './keys-command.js';
import { MIN_INTERVAL_MS, parseInterval, parseLines, runLogs } from './logs-command.js';
import type { CheckOptions } from './check-command.js';
import type { StartOptions } from './start-command.js';

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('must be a port number (0-65535).');
  return port;
}

/** From package.json, which sits two folders up from src/cli, dist/cli and dist/bundle alike. */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

function parseMs(value: string): number {
  const ms = Number(value);
  if (!Number.isFinite(ms) || ms < 0) throw new InvalidArgumentError('must be a number of milliseconds (>= 0).');
  return ms;
}

const program = new Command()
  .name('moongate')
  .description("Self-hosted, OpenAI-compatible LLM gateway with first-class support for Moonshot AI's Kimi models")
  .version(packageVersion(), '-V, --version', 'print the version')
  .showHelpAfterError();

program
  .command('start')
  .description('run the gateway')
  .option('-c, --config <file>', 'config file (default: $MOONGATE_CONFIG, else defaults + environment)')
  .option('-p, --port <port>', 'port to listen on (overrides server.port)', parsePort)
  .option('-H, --host <host>', 'address to listen on (overrides server.host)')
  // Commands load their modules when run: `moongate start` must not carry what `check` needs.
  .action(async (options: StartOptions) => (await import('./start-command.js')).runStart(options));

program
  .command('sim')
  .description("run the Moonshot simulator (global at /v1, China at /cn/v1)")
  .option('-p, --port <port>', 'port to listen on', parsePort, 9000)
  .option('-H, --host <host>', 'address to listen on', '127.0.0.1')
  .option('--latency <ms>', 'delay before each response starts', parseMs, 0)
  .option('--token-delay <ms>', 'delay between stream chunks', parseMs, 0)
  .option('--retire-models', "answer model ids past their retirement date with Moonshot's 404, as the real API does", false)
  // Loaded on use: `moongate start` should not pay for the simulator.
  .action(async (options) => (await import('./sim-command.js')).runSim(options));

program.addCommand(keysCommand());

program
  .command('check')
  .description('test provider keys and say why one fails (whitespace, wrong region, revoked, no balance)')
  .argument('<provider>', 'provider to check (moonshot)')
  .option('-k, --key <key>', 'check this key instead of the configured credentials')
  .option('-r, --region <region>', 'region the key is meant for (global or cn)', (v: string) => {
    if (v !== 'global' && v !== 'cn') throw new InvalidArgumentError('must be "global" or "cn".');
    return v;
  })
  .option('-c, --config <file>', 'config file with the credentials to check (default: $MOONGATE_CONFIG, else the environment)')
  .option('--json', 'print the results as JSON')
  .action(async (provider: string, options: CheckOptions) => (await import('./check-command.js')).runCheck(provider, options));

program
  .command('logs')
  .description('print the latest request logs, and with --follow new ones as they come')
  .option('-f, --follow', 'keep printing new records')
  .option('-m, --model <model>', 'only this model (kimi-k2.6 or moonshot/kimi-k2.6)')
  .option('-k, --key <key_id>', 'only records of this gateway key id')
  .option('--customer <id>', 'only records of this customer_identifier')
  .option('--status <status>', 'success, error or an HTTP status code')
  .option('--since <time>', 'only records from this time on (ISO 8601 or epoch seconds/ms)')
  .option('-n, --lines <n>', 'how many of the latest records to show first', parseLines, 20)
  .option('--url <url>', 'the running gateway to ask (default: $MOONGATE_URL or http://127.0.0.1:4000)')
  .option('--api-key <key>', 'the master key (default: $MOONGATE_MASTER_KEY)')
  .option('--master-key <key>', 'the same as --api-key, as `moongate keys` names it')
  .option('--store <store>', 'read the store directly instead of a gateway, e.g. sqlite:./.moongate/moongate.db')
  .option('--json', 'one JSON record per line (without request and response bodies)')
  .option('--interval <ms>', `how often --follow asks for new records, in ms (at least ${MIN_INTERVAL_MS})`, parseInterval, 1000)
  .action(runLogs);

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`moongate: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
