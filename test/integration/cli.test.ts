import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { REDIS_URL } from '../helpers/redis.js';

/** The built CLI, as `npm start` and the `moongate` bin run it. */
const cli = fileURLToPath(new URL('../../dist/bundle/moongate.js', import.meta.url));
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [cli, ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  // 'close', not 'exit': by then both pipes have been read to their end.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  // stdout and stderr are separate pipes: a line written to one before the other may arrive after it.
  const waitFor = (text: () => string) => (pattern: RegExp, ms = 10_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const timer = setInterval(() => {
        const match = text().match(pattern);
        if (match) {
          clearInterval(timer);
          resolve(match);
        }
      }, 20);
      setTimeout(() => {
        clearInterval(timer);
        reject(new Error(`no ${pattern} in output:\n${stdout}\n${stderr}`));
      }, ms);
    });
  return { child, exited, output: waitFor(() => stdout), errorOutput: waitFor(() => stderr), stderr: () => stderr, stdout: () => stdout };
}

describe('moongate CLI', () => {
  it('starts with no config file and answers health checks, warning about open mode', async () => {
    const gw = run(['start', '--host', '127.0.0.1', '--port', '0']);
    const [, url] = await gw.output(/listening on (http:\/\/\S+)/);
    const res = await fetch(`${url}/health/live`);
    expect(res.status).toBe(200);
    await gw.errorOutput(/OPEN LOCAL MODE/);
    await gw.output(/ready in \d+ ms\. Try: curl http:\/\/\S+\/v1\/models\n/);
    gw.child.kill('SIGTERM');
    expect(await gw.exited).toBe(0);
  });

  // The bundle finds what its modules find beside themselves (dist/ui, the worker threads'
  // entries) and loads what it leaves in node_modules (prom-client, ioredis) on use.
  it('from the bundle: serves the dashboard and metrics, and shares state through Redis', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moongate-cli-'));
    const config = join(dir, 'moongate.yaml');
    writeFileSync(config, `master_key: mg-cli-bundle-master\nstore: sqlite:${join(dir, 'moongate.db')}\nredis: ${REDIS_URL}\n`);
    const gw = run(['start', '--config', config, '--host', '127.0.0.1', '--port', '0']);
    const [, url] = await gw.output(/listening on (http:\/\/\S+)/);
    await gw.output(/ready in \d+ ms/);
    const operator = { authorization: 'Bearer mg-cli-bundle-master' };
    const shell = await fetch(`${url}/ui/`);
    expect(shell.status).toBe(200);
    const script = /src="(\/ui\/app\.js\?v=\w+)"/.exec(await shell.text())?.[1];
    expect(script).toBeDefined();
    expect((await fetch(`${url}${script}`)).status).toBe(200);
    const ready = (await (await fetch(`${url}/health/ready`, { headers: operator })).json()) as { checks: Record<string, string> };
    expect(ready.checks.redis).toBe('ok');
    const metrics = await (await fetch(`${url}/metrics`, { headers: operator })).text();
    expect(metrics).toMatch(/^moongate_redis_up 1$/m);
    gw.child.kill('SIGTERM');
    expect(await gw.exited).toBe(0);
  });

  it('refuses a bad config with the key and line, and starts nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moongate-cli-'));
    const file = join(dir, 'moongate.yaml');
    writeFileSync(file, 'server:\n  port: 4000\nproviders:\n  moonshot:\n    credentials:\n      - name: main\n        api_key: sk-x\n        region: eu\n');
    const gw = run(['start', '--config', file]);
    expect(await gw.exited).toBe(1);
    expect(gw.stderr()).toMatch(/moongate\.yaml:8:\d+/);
    expect(gw.stderr()).toContain('region');
    expect(gw.stdout()).not.toContain('listening');
  });

  it('warns about a key with whitespace in it, without printing the key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moongate-cli-'));
    const file = join(dir, 'moongate.yaml');
    writeFileSync(file, 'server: { host: 127.0.0.1, port: 0 }\nmaster_key: mk-cli-warning-test\nproviders:\n  moonshot:\n    api_key: "sk-secret-value "\n');
    const gw = run(['start', '--config', file]);
    await gw.output(/listening on (http:\/\/\S+)/);
    await gw.errorOutput(/has trailing whitespace/);
    expect(gw.stderr()).toContain('moongate: warning: providers.moonshot.credentials[0]');
    expect(gw.stderr() + gw.stdout()).not.toContain('sk-secret-value');
    // The start-up hint needs the master key to work, and says so without printing it.
    await gw.output(/Try: curl -H "Authorization: Bearer <master key>" http:\/\/\S+\/v1\/models/);
    expect(gw.stdout()).not.toContain('mk-cli-warning-test');
    gw.child.kill('SIGTERM');
    expect(await gw.exited).toBe(0);
  });

  it('runs the simulator, and a gateway in front of it serves Kimi with the env key', async () => {
    const sim = run(['sim', '--port', '0']);
    const [, simUrl] = await sim.output(/(http:\/\/127\.0\.0\.1:\d+)/);
    const gw = run(['start', '--host', '127.0.0.1', '--port', '0'], {
      MOONSHOT_API_KEY: 'sk-cli-test',
      MOONSHOT_API_BASE: `${simUrl}/v1`,
    });
    const [, url] = await gw.output(/listening on (http:\/\/\S+)/);
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0 });
    const data = await client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi' }] });
    expect(data.choices[0]!.message.content).toBeTruthy();
    // A caller's own key for the global region goes where MOONSHOT_API_BASE points, not past it.
    const own = await client.chat.completions
      .create({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi' }], customer_credentials: { moonshot: { api_key: 'sk-own-key', region: 'global' } } } as never)
      .withResponse();
    expect(own.data.choices[0]!.message.content).toBeTruthy();
    expect(own.response.headers.get('x-moongate-credential')).toBe('customer_credentials');
  });

  it('runs the simulator with --retire-models: a retired id answers Moonshot\'s 404, a current one is served', async () => {
    const sim = run(['sim', '--port', '0', '--retire-models']);
    const [, simUrl] = await sim.output(/(http:\/\/127\.0\.0\.1:\d+)/);
    const client = new OpenAI({ baseURL: `${simUrl}/v1`, apiKey: 'sk-cli-test', maxRetries: 0 });
    await expect(client.chat.completions.create({ model: 'kimi-latest', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({
      status: 404,
      message: expect.stringContaining('Not found the model kimi-latest or Permission denied'),
    });
    const data = await client.chat.completions.create({ model: 'kimi-k2.6', messages: [{ role: 'user', content: 'hi' }] });
    expect(data.choices[0]!.message.content).toBeTruthy();
  });

  it('check moonshot diagnoses each configured credential and exits 1 if any fails', async () => {
    const sim = run(['sim', '--port', '0']);
    const [, simUrl] = await sim.output(/(http:\/\/127\.0\.0\.1:\d+)/);
    const dir = mkdtempSync(join(tmpdir(), 'moongate-check-'));
    const file = join(dir, 'moongate.yaml');
    writeFileSync(
      file,
      [
        'providers:',
        '  moonshot:',
        `    regions: { global: "${simUrl}/v1", cn: "${simUrl}/cn/v1" }`,
        '    credentials:',
        '      - { name: good, api_key: sk-good }',
        '      - { name: china, api_key: sk-cn-good }',
        '      - { name: gone, api_key: sk-revoked-1 }',
        '      - { name: empty, api_key: sk-nobalance-1 }',
        '',
      ].join('\n'),
    );
    const check = run(['check', 'moonshot', '--config', file, '--json']);
    expect(await check.exited).toBe(1);
    const results = JSON.parse(check.stdout());
    expect(results.map((r: { credential: string; verdict: string }) => [r.credential, r.verdict])).toEqual([
      ['good', 'ok'],
      ['china', 'wrong_region'],
      ['gone', 'invalid'],
      ['empty', 'no_balance'],
    ]);
    expect(check.stdout()).not.toContain('sk-good');

    // With no config, --key is checked where MOONSHOT_API_BASE points (it went to api.moonshot.ai).
    const env = run(['check', 'moonshot', '--key', 'sk-good', '--json'], { MOONSHOT_API_BASE: `${simUrl}/v1` });
    expect(await env.exited).toBe(0);
    expect(JSON.parse(env.stdout())).toMatchObject([{ credential: '--key', verdict: 'ok' }]);
    // A rejected key is not then sent to Moongate's idea of the other platform (api.moonshot.cn):
    // an endpoint that is not Moonshot's has no other platform, so both asks stay on it.
    const rejected = run(['check', 'moonshot', '--key', 'sk-revoked-1', '--json'], { MOONSHOT_API_BASE: `${simUrl}/v1` });
    expect(await rejected.exited).toBe(1);
    const [verdict] = JSON.parse(rejected.stdout());
    expect(verdict).toMatchObject({ credential: '--key', verdict: 'invalid' });
    expect(verdict.message).not.toContain('moonshot.cn');
    // --region global names the region MOONSHOT_API_BASE stands in for: checked there too (it
    // went to api.moonshot.ai).
    const global = run(['check', 'moonshot', '--key', 'sk-good', '--region', 'global', '--json'], { MOONSHOT_API_BASE: `${simUrl}/v1` });
    expect(await global.exited).toBe(0);
    expect(JSON.parse(global.stdout())).toMatchObject([{ credential: '--key', verdict: 'ok' }]);

    // A base_url set for the whole provider in a config file is where its credentials are checked.
    const providerWide = join(dir, 'provider-base.yaml');
    writeFileSync(providerWide, ['providers:', '  moonshot:', `    base_url: "${simUrl}/v1"`, '    credentials:', '      - { name: cn-key-here, api_key: sk-cn-good }', ''].join('\n'));
    const wide = run(['check', 'moonshot', '--config', providerWide, '--json']);
    expect(await wide.exited).toBe(1);
    const [wideVerdict] = JSON.parse(wide.stdout());
    expect(wideVerdict).toMatchObject({ credential: 'cn-key-here', verdict: 'invalid' });
    expect(wideVerdict.message).toContain('127.0.0.1');
    expect(wideVerdict.message).not.toMatch(/moonshot\.(ai|cn)/);

    // Trailing whitespace gets through (HTTP drops it), but it is what start-up warns about.
    const padded = run(['check', 'moonshot', '--key', 'sk-good ', '--region', 'global', '--config', file]);
    expect(await padded.exited).toBe(1);
    expect(padded.stdout()).toMatch(/^FAIL --key: whitespace — The key contains whitespace/);
  });

  it('check moonshot does not call a key invalid when the other platform could not be asked (exit 1, verdict unreachable)', async () => {
    const sim = run(['sim', '--port', '0']);
    const [, simUrl] = await sim.output(/(http:\/\/127\.0\.0\.1:\d+)/);
    // A port that was just free: nothing listens there, so the China platform is refused.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const dir = mkdtempSync(join(tmpdir(), 'moongate-check-'));
    const file = join(dir, 'moongate.yaml');
    writeFileSync(
      file,
      ['providers:', '  moonshot:', `    regions: { global: "${simUrl}/v1", cn: "http://127.0.0.1:${closedPort}/cn/v1" }`, '    credentials:', '      - { name: gone, api_key: sk-revoked-1 }', ''].join('\n'),
    );
    const check = run(['check', 'moonshot', '--config', file]);
    expect(await check.exited).toBe(1);
    expect(check.stdout()).toMatch(new RegExp(`^FAIL gone: unreachable — 127\\.0\\.0\\.1:\\d+ rejects the key \\(401\\), but the check could not finish: 127\\.0\\.0\\.1:${closedPort}/cn/v1: could not reach it \\(ECONNREFUSED\\)`));
    expect(check.stdout()).not.toMatch(/: invalid|Neither|Create a new key/);
  });

  it('prints its version from package.json', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const v = run(['--version']);
    expect(await v.exited).toBe(0);
    expect(v.stdout().trim()).toBe(version);
  });

  it('says clearly that a port is taken', async () => {
    const sim = run(['sim', '--port', '0']);
    const [, port] = await sim.output(/http:\/\/127\.0\.0\.1:(\d+)/);
    const second = run(['sim', '--port', port!]);
    expect(await second.exited).toBe(1);
    expect(second.stderr().trim()).toBe(`moongate: port ${port} is in use on 127.0.0.1; choose another with --port`);
    const gw = run(['start', '--host', '127.0.0.1', '--port', port!]);
    expect(await gw.exited).toBe(1);
    expect(gw.stderr()).toContain(`moongate: port ${port} is in use on 127.0.0.1; set server.port or --port`);
  });

  it('refuses keys create options that would give a less restricted key than asked, before calling the gateway', async () => {
    // No gateway at this address: each is refused before any request.
    const env = { MOONGATE_URL: 'http://127.0.0.1:9', MOONGATE_MASTER_KEY: 'unused-master-key' };
    for (const [args, message] of [
      [['--models', ''], '--models must name at least one model glob'],
      [['--models', ','], '--models must name at least one model glob'],
      [['--period', 'day'], '--period needs --budget'],
      [['--rpm', '1.5'], '--rpm must be a whole number ≥ 1'],
      [['--expires', '2020-01-01T00:00:00Z'], '--expires must be in the future'],
    ] as const) {
      const create = run(['keys', 'create', '--name', 'x', ...args], env);
      expect(await create.exited, args.join(' ')).toBe(1);
      expect(create.stderr(), args.join(' ')).toContain(message);
      expect(create.stderr(), args.join(' ')).not.toContain('could not reach');
    }
    const noScheme = run(['keys', 'list'], { MOONGATE_URL: '127.0.0.1:47310' });
    expect(await noScheme.exited).toBe(1);
    expect(noScheme.stderr()).toContain('moongate: MOONGATE_URL "127.0.0.1:47310" is not a valid gateway URL; expected the form http://HOST:PORT');
  });

  it('keys create, list and revoke through a running gateway', async () => {
    const sim = run(['sim', '--port', '0']);
    const [, simUrl] = await sim.output(/(http:\/\/127\.0\.0\.1:\d+)/);
    const dir = mkdtempSync(join(tmpdir(), 'moongate-keys-'));
    const file = join(dir, 'moongate.yaml');
    writeFileSync(
      file,
      ['master_key: cli-master-key-0001', `store: sqlite:${join(dir, 'moongate.db')}`, 'providers:', '  moonshot:', `    base_url: "${simUrl}/v1"`, '    api_key: sk-cli', ''].join('\n'),
    );
    const gw = run(['start', '--config', file, '--host', '127.0.0.1', '--port', '0']);
    const [, url] = await gw.output(/listening on (http:\/\/\S+)/);
    const env = { MOONGATE_URL: url!, MOONGATE_MASTER_KEY: 'cli-master-key-0001' };

    const create = run(['keys', 'create', '--name', 'cli-team', '--models', 'moonshot/*', '--budget', '5', '--period', 'day', '--rpm', '60', '--json'], env);
    expect(await create.exited).toBe(0);
    const created = JSON.parse(create.stdout());
    expect(created.key).toMatch(/^mg-/);

    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: created.key, maxRetries: 0 });
    expect((await client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi' }] })).choices[0]).toBeTruthy();

    const list = run(['keys', 'list'], env);
    expect(await list.exited).toBe(0);
    expect(list.stdout()).toContain(created.id);
    expect(list.stdout()).toContain('cli-team');
    expect(list.stdout()).not.toContain(created.key);

    const revoke = run(['keys', 'revoke', created.id], env);
    expect(await revoke.exited).toBe(0);
    expect(revoke.stdout()).toContain(`Revoked ${created.id}`);
    await expect(client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ status: 401 });
    const again = run(['keys', 'revoke', created.id], env);
    expect(await again.exited).toBe(0);
    expect(again.stdout()).toMatch(new RegExp(`^${created.id} \\(cli-team\\) was already revoked, on \\d{4}-`));

    const denied = run(['keys', 'list'], { MOONGATE_URL: url!, MOONGATE_MASTER_KEY: 'wrong' });
    expect(await denied.exited).toBe(1);
    expect(denied.stderr()).toContain('HTTP 401');
    const keyless = run(['keys', 'list'], { MOONGATE_URL: url! });
    expect(await keyless.exited).toBe(1);
    expect(keyless.stderr()).toContain('No master key was given: use --master-key or set $MOONGATE_MASTER_KEY.');
  });
});
