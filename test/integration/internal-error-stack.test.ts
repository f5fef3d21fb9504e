import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { killBuiltClis, startBuiltCli } from '../helpers/built-cli.js';

/**
 * A bug on the request path (here the key check throws, for one key, through a module loaded
 * before the gateway): the caller gets a 500 `internal_error` with the message only, the gateway
 * goes on serving, and the operator gets the stack on stderr, pointed at the TypeScript source
 * although the CLI runs from its bundle; ten a minute at most, the rest counted.
 */
const bug = fileURLToPath(new URL('../helpers/throw-in-key-hash.mjs', import.meta.url));
const srcDir = fileURLToPath(new URL('../../src/', import.meta.url));
let sim: Simulator;
let dir: string;

beforeAll(async () => {
  sim = await startSimulator({ quiet: true });
  dir = mkdtempSync(join(tmpdir(), 'moongate-internal-stack-'));
});
afterAll(async () => {
  killBuiltClis();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('an internal error on a request', () => {
  it('is a 500 for the caller and a source-mapped stack for the operator, at most ten a minute', { timeout: 30_000 }, async () => {
    const { url, output, exited, signal } = await startBuiltCli({ dir, name: 'gw', sim, dbPath: join(dir, 'gw.db'), yaml: 'master_key: sk-master\n', nodeArgs: ['--import', bug] });
    const buggy = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'sk-simulated-bug', maxRetries: 0 });
    const requestIds: string[] = [];
    for (let i = 0; i < 12; i++) {
      const err = (await buggy.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
      expect(err).toBeInstanceOf(OpenAI.InternalServerError);
      expect([err.status, err.code, err.message]).toEqual([500, 'internal_error', '500 moongate: internal error: a simulated bug in the key check']);
      requestIds.push(err.requestID!);
    }
    const fine = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'sk-master', maxRetries: 0 });
    expect((await fine.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: [{ role: 'user', content: 'hi' }] })).choices[0]!.message.content).toBeTruthy();

    // Each report names its request, as the answer's x-request-id and the log record do.
    const reported = [...output().matchAll(/moongate: internal error \(request ([\w-]+)\): TypeError: a simulated bug in the key check\n/g)].map((m) => m[1]);
    expect(reported).toEqual(requestIds.slice(0, 10));
    const reports = output().split('TypeError: a simulated bug in the key check').slice(1);
    // The frame under the simulated bug is the gateway's key check, named by its source file.
    expect(reports[0]).toContain(`(${join(srcDir, 'server', 'auth.ts')}:`);
    expect(output()).not.toMatch(/dist\/bundle\/[\w-]+\.js:\d+/);

    signal('SIGTERM');
    expect(await exited).toBe(0);
    expect(output()).toContain('moongate: 2 more internal errors in the last minute, not printed (at most 10 a minute are)');
  });
});
