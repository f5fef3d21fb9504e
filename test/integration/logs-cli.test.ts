import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GLOBAL_KEY } from '../helpers/stack.js';
import { startLogsStack } from '../helpers/logs-stack.js';
import type { LogsStack } from '../helpers/logs-stack.js';

/** `moongate logs` (the built CLI) against a running gateway, and straight from the store file. */
const cli = fileURLToPath(new URL('../../dist/bundle/moongate.js', import.meta.url));
const MASTER = 'logs-cli-master';
let stack: LogsStack;
const children: ChildProcess[] = [];

beforeAll(async () => {
  stack = await startLogsStack({
    configYaml: `
master_key: ${MASTER}
router: { retries: 0, cooldown: { fails: 1000 } }
providers:
  moonshot:
    regions: { global: \${SIM}/v1, cn: \${SIM}/cn/v1 }
    credentials: [{ name: main, api_key: ${GLOBAL_KEY} }]
`,
  });
});
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});
afterAll(() => stack.close());

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [cli, 'logs', ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = async (text: string, ms = 10_000) => {
    const end = Date.now() + ms;
    while (!out.includes(text)) {
      if (Date.now() > end) throw new Error(`no ${text} in:\n${out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { child, exited, out: () => out, waitFor };
}

async function request(model: string, content: string): Promise<string> {
  const res = await fetch(`${stack.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${MASTER}` },
    body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
  });
  await res.text();
  return res.headers.get('x-moongate-request-id')!;
}

describe('moongate logs', () => {
  it('prints the latest records, filtered, oldest first', async () => {
    const a = await request('moonshot/kimi-k2.6', 'one');
    const b = await request('moonshot/moonshot-v1-8k', 'two');
    const c = await request('moonshot/kimi-k2.6', '[[sim:error=500]] three');
    await stack.flush();

    // The gateway's address from $MOONGATE_URL, as `moongate keys` takes it.
    const all = run(['-n', '10'], { MOONGATE_MASTER_KEY: MASTER, MOONGATE_URL: stack.url });
    expect(await all.exited).toBe(0);
    const lines = all.out().trim().split('\n');
    expect(lines.map((l) => [a, b, c].find((id) => l.includes(id)))).toEqual([a, b, c]);
    expect(lines[0]).toMatch(/ 200 {2}moonshot\/kimi-k2\.6 {2}main {2}json {2}\d+ms {2}\d+→\d+ tok {2}\$0\.\d{6}/);
    expect(lines[2]).toContain(' 500 ');

    const k26 = run(['--url', stack.url, '--api-key', MASTER, '--model', 'moonshot/kimi-k2.6', '--status', 'success', '--json']);
    expect(await k26.exited).toBe(0);
    expect(k26.out().trim().split('\n').map((l) => JSON.parse(l).id)).toEqual([a]);

    // --master-key, as `moongate keys` names it, is the same option.
    const aliased = run(['--url', stack.url, '--master-key', MASTER, '--model', 'moonshot/kimi-k2.6', '--status', 'success', '--json']);
    expect(await aliased.exited).toBe(0);
    expect(aliased.out().trim().split('\n').map((l) => JSON.parse(l).id)).toEqual([a]);

    const fromFile = run(['--store', `sqlite:${stack.dbPath}`, '--model', 'moonshot/moonshot-v1-8k']);
    expect(await fromFile.exited).toBe(0);
    expect(fromFile.out()).toContain(b);
    expect(fromFile.out()).not.toContain(a);
  });

  it('reads a model filter from the store file as the gateway does: provider/model where records of that provider exist, else an id holding a slash', async () => {
    expect((await stack.api('/v1/logs', { method: 'POST', token: MASTER, body: { id: 'slash-1', provider: 'together', model: 'meta-llama/Llama-3.3-70B' } })).status).toBe(201);
    await stack.flush();
    const ids = async (model: string) => {
      const r = run(['--store', `sqlite:${stack.dbPath}`, '--model', model, '--json']);
      expect(await r.exited).toBe(0);
      return r.out().trim().split('\n').filter(Boolean).map((l) => JSON.parse(l).id);
    };
    expect(await ids('meta-llama/Llama-3.3-70B')).toEqual(['slash-1']);
    expect(await ids('together/meta-llama/Llama-3.3-70B')).toEqual(['slash-1']);
    expect(await ids('moonshot/meta-llama/Llama-3.3-70B')).toEqual([]);
  });

  it('follows new records until interrupted', async () => {
    const tail = run(['--url', stack.url, '--follow', '--interval', '100', '-n', '1'], { MOONGATE_MASTER_KEY: MASTER });
    await new Promise((r) => setTimeout(r, 500));
    const id = await request('moonshot/kimi-k2.6', 'while you watch');
    await tail.waitFor(id);
    tail.child.kill('SIGINT');
    expect(await tail.exited).toBe(0);
    expect(tail.out().split('\n').filter((l) => l.includes(id))).toHaveLength(1);
  });

  it('says why when the gateway refuses', async () => {
    const denied = run(['--url', stack.url, '--api-key', 'wrong']);
    expect(await denied.exited).toBe(1);
    expect(denied.out()).toContain('401');
    expect(denied.out()).toContain('The master key given was refused: check --api-key or $MOONGATE_MASTER_KEY.');
    const deniedAlias = run(['--url', stack.url, '--master-key', 'wrong']);
    expect(await deniedAlias.exited).toBe(1);
    expect(deniedAlias.out()).toContain('The master key given was refused: check --master-key or $MOONGATE_MASTER_KEY.');
    const both = run(['--url', stack.url, '--api-key', MASTER, '--master-key', 'wrong']);
    expect(await both.exited).toBe(1);
    expect(both.out()).toContain('--api-key and --master-key were both given, with different keys; give one (they are the same option).');
  });

  it('writes control characters from callers out, so a value cannot clear the screen or forge a line', async () => {
    const ingested = await stack.api('/v1/logs', { method: 'POST', token: MASTER, body: { id: 'ctrl-1', model: 'kimi-k2.6', customer_identifier: 'c\u001b[2Jx\nFAKE LINE' } });
    expect(ingested.status).toBe(201);
    await stack.flush();
    const out = run(['--url', stack.url, '--api-key', MASTER, '--customer', 'c\u001b[2Jx\nFAKE LINE']);
    expect(await out.exited).toBe(0);
    expect(out.out()).toContain('customer=c\\x1b[2Jx\\nFAKE LINE');
    expect(out.out()).not.toContain('\u001b');
    expect(out.out().trim().split('\n')).toHaveLength(1);
  });

  it('says so when --store names no database, and creates nothing there', async () => {
    const missing = join(stack.dir, 'typo', 'sub', 'moongate.db');
    const wrong = run(['--store', `sqlite:${missing}`]);
    expect(await wrong.exited).toBe(1);
    expect(wrong.out()).toContain(`there is no log store at ${missing}`);
    expect(existsSync(join(stack.dir, 'typo'))).toBe(false);
  });
});
