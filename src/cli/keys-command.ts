import { Command, InvalidArgumentError } from 'commander';
import { adminCall, adminTarget } from './admin-client.js';
import { printable } from './printable.js';

interface Connection {
  url?: string;
  masterKey?: string;
  json?: boolean;
}

const positiveNumber = (what: string) => (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${what} must be a positive number.`);
  return n;
};

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
      .option('--models <globs>', 'comma-separated model globs the key may use, e.g. "kimi,moonshot/*"')
      .option('--budget <usd>', 'budget in USD', positiveNumber('--budget'))
      .option('--period <period>', 'budget period: day, month or total', (v: string) => {
        if (!['day', 'month', 'total'].includes(v)) throw new InvalidArgumentError('must be day, month or total.');
        return v;
      })
      .option('--rpm <n>', 'requests per minute', positiveNumber('--rpm'))
      .option('--tpm <n>', 'tokens per minute', positiveNumber('--tpm'))
      .option('--expires <iso>', 'expiry, ISO 8601 (e.g. 2026-12-31T00:00:00Z)')
      .option('--customer <id>', 'customer identifier recorded with every request'),
  ).action(async (o: Connection & { name: string; models?: string; budget?: number; period?: string; rpm?: number; tpm?: number; expires?: string; customer?: string }) => {
    const created = (await adminCall(adminTarget(o), 'POST', '/admin/keys', {
      name: o.name,
      ...(o.models ? { models: o.models.split(',').map((m) => m.trim()).filter(Boolean) } : {}),
      ...(o.budget !== undefined ? { budget_usd: o.budget } : {}),
      ...(o.period ? { budget_period: o.period } : {}),
      ...(o.rpm !== undefined ? { rpm: o.rpm } : {}),
      ...(o.tpm !== undefined ? { tpm: o.tpm } : {}),
      ...(o.expires ? { expires_at: o.expires } : {}),
      ...(o.customer ? { customer_identifier: o.customer } : {}),
    })) as Record<string, unknown>;
    if (o.json) return console.log(JSON.stringify(created, null, 2));
    console.log(`Created key ${printable(String(created.id))} (${printable(String(created.name))}). This is the only time it is shown:\n\n  ${created.key}\n`);
  });

  connection(keys.command('list').description('list keys with their spend')).action(async (o: Connection) => {
    const list = (await adminCall(adminTarget(o), 'GET', '/admin/keys')) as { data: Record<string, unknown>[] };
    if (o.json) return console.log(JSON.stringify(list.data, null, 2));
    if (list.data.length === 0) return console.log('No keys yet. Create one with: moongate keys create --name NAME');
    for (const k of list.data) {
      const budget = k.budget_usd === null ? 'no budget' : `$${k.spend_usd} of $${k.budget_usd}/${k.budget_period}`;
      console.log(printable(`${k.id}  ${String(k.status).padEnd(7)}  …${k.key_last4}  ${k.name}  (${budget}; total spent $${k.spend_total_usd})`));
    }
  });

  connection(keys.command('revoke').description('revoke a key (effective on its next request)').argument('<id>', 'key id (key_…)')).action(async (id: string, o: Connection) => {
    const revoked = (await adminCall(adminTarget(o), 'DELETE', `/admin/keys/${encodeURIComponent(id)}`)) as Record<string, unknown>;
    if (o.json) return console.log(JSON.stringify(revoked, null, 2));
    console.log(printable(`Revoked ${revoked.id} (${revoked.name}).`));
  });
  return keys;
}
