import { Command } from 'commander';
import { adminCall, adminTarget } from './admin-client.js';
import type { AnswerShape } from './admin-client.js';
import { createKeyBody, parseExpires, parseModels, parsePeriod, positiveNumber, wholeNumber } from './key-options.js';
import type { CreateKeyOptions } from './key-options.js';
import { printable } from './printable.js';

// What each admin answer must hold for the command to print it (see adminCall).
const CREATED_KEY: AnswerShape = { id: 'string', name: 'string', key: 'string' };
const KEY_LIST: AnswerShape = { data: 'array' };
const ONE_KEY: AnswerShape = { id: 'string', status: 'string' };

interface Connection {
  url?: string;
  masterKey?: string;
  json?: boolean;
}

/** `moongate keys create|list|revoke`: gateway keys, through a running gateway's admin API. */
export function keysCommand(): Command {
  const keys = new Command('keys').description('manage gateway keys (mg-…) on a running gateway');
  const connection = (cmd: Command): Command =>
    cmd
      .option('--url <url>', 'gateway address (default: $MOONGATE_URL or http://127.0.0.1:4000)')
      .option('--master-key <key>', 'master key (default: $MOONGATE_MASTER_KEY)')
      .option('--json', 'print JSON');

  connection(
    keys
      .command('create')
      .description('create a key; it is shown once')
      .requiredOption('--name <name>', 'a name for the key')
      .option('--models <globs>', 'comma-separated model globs the key may use, e.g. "kimi,moonshot/*" (default: every model)', parseModels)
      .option('--budget <usd>', 'budget in USD', positiveNumber('--budget'))
      .option('--period <period>', 'budget period (with --budget): day, month or total', parsePeriod)
      .option('--rpm <n>', 'requests per minute (a whole number)', wholeNumber('--rpm'))
      .option('--tpm <n>', 'tokens per minute (a whole number)', wholeNumber('--tpm'))
      .option('--expires <iso>', 'expiry in the future, ISO 8601 (e.g. 2026-12-31T00:00:00Z)', (v: string) => parseExpires(v))
      .option('--customer <id>', 'customer identifier recorded with every request'),
  ).action(async (o: Connection & CreateKeyOptions) => {
    const body = createKeyBody(o);
    const created = await adminCall(adminTarget(o), 'POST', '/admin/keys', CREATED_KEY, body);
    if (o.json) return console.log(JSON.stringify(created, null, 2));
    console.log(`Created key ${printable(String(created.id))} (${printable(String(created.name))}). This is the only time it is shown:\n\n  ${created.key}\n`);
  });

  connection(keys.command('list').description('list keys with their spend')).action(async (o: Connection) => {
    const list = (await adminCall(adminTarget(o), 'GET', '/admin/keys', KEY_LIST)) as { data: Record<string, unknown>[] };
    if (o.json) return console.log(JSON.stringify(list.data, null, 2));
    if (list.data.length === 0) return console.log('No keys yet. Create one with: moongate keys create --name NAME');
    for (const k of list.data) {
      const budget = k.budget_usd === null ? 'no budget' : `$${k.spend_usd} of $${k.budget_usd}/${k.budget_period}`;
      console.log(printable(`${k.id}  ${String(k.status).padEnd(7)}  …${k.key_last4}  ${k.name}  (${budget}; total spent $${k.spend_total_usd})`));
    }
  });

  connection(keys.command('revoke').description('revoke a key (effective on its next request)').argument('<id>', 'key id (key_…)')).action(async (id: string, o: Connection) => {
    const target = adminTarget(o);
    const path = `/admin/keys/${encodeURIComponent(id)}`;
    // Revoking twice changes nothing at the gateway, so the answer alone cannot tell the two apart.
    const before = await adminCall(target, 'GET', path, ONE_KEY);
    const revoked = before.status === 'revoked' ? before : await adminCall(target, 'DELETE', path, ONE_KEY);
    if (o.json) return console.log(JSON.stringify(revoked, null, 2));
    if (before.status === 'revoked') return console.log(printable(`${revoked.id} (${revoked.name}) was already revoked, on ${revoked.revoked_at}.`));
    console.log(printable(`Revoked ${revoked.id} (${revoked.name}).`));
  });
  return keys;
}
