/**
 * Compares the CPU time per request of two or more Moongate builds at a fixed request rate, in
 * alternating rounds, on loopback. The throughput scenario saturates the machine, and on two
 * shared cores its ratio swings by ±15 % between runs; CPU per request at an offered rate below
 * saturation moves by ±5 % a sample, so the median of a few rounds shows a change of a few percent.
 *
 *   node node_modules/.cache/moongate-bench/compare-builds.js DIR_A DIR_B [--rounds 5] [--rate 1500] [--seconds 6] [--stream TOKENS [--token-delay MS]]
 *
 * The requests are the benchmark's one-line JSON request, or with `--stream` streams of that many
 * tokens with reasoning (kimi-k2.6's shape, no delay between events unless `--token-delay` paces
 * them, each event then a network read of its own): a stream's cost is mostly its events'.
 *
 * Each DIR is a checkout with `dist/` built (`git worktree add /tmp/x REV`, `npm run build` there).
 * A DIR may carry node flags after a `|` ("DIR|--max-semi-space-size=32") to compare those instead.
 * Each round starts every build afresh (its own SQLite file, a new virtual key), warms it up for
 * 2 s, then reads its CPU time (/proc/PID/stat, all threads) around the measured load.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { gatewayKey, moongateCli, nonStreamBody, streamBody, writeMoongateConfig } from './lib/moongate-setup.js';
import { cpuSeconds, freePort, killAll, minorFaults, startChild, waitHealthy } from './lib/processes.js';
import { median } from './lib/stats.js';

const { values: args, positionals: builds } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '5' },
    rate: { type: 'string', default: '1500' },
    seconds: { type: 'string', default: '6' },
    stream: { type: 'string' },
    'token-delay': { type: 'string', default: '0' },
  },
});
if (builds.length < 2) {
  console.error('usage: node compare-builds.js DIR_A DIR_B [...] [--rounds N] [--rate REQ_PER_S] [--seconds S] [--stream TOKENS [--token-delay MS]]');
  process.exit(2);
}
const rounds = Number(args.rounds);
const rate = Number(args.rate);
const seconds = Number(args.seconds);
const streamTokens = args.stream === undefined ? undefined : Number(args.stream);
if (streamTokens !== undefined && !(Number.isInteger(streamTokens) && streamTokens > 0)) {
  console.error('--stream takes a number of tokens, such as 40');
  process.exit(2);
}
const tokenDelayMs = Number(args['token-delay']);
if (!(Number.isInteger(tokenDelayMs) && tokenDelayMs >= 0) || (tokenDelayMs > 0 && streamTokens === undefined)) {
  console.error('--token-delay takes a whole number of milliseconds, with --stream');
  process.exit(2);
}
const body = streamTokens === undefined ? nonStreamBody('kimi') : streamBody('kimi', streamTokens, tokenDelayMs, true);

const here = dirname(fileURLToPath(import.meta.url));
// This file runs from node_modules/.cache/moongate-bench: the simulator comes from this checkout's build.
const simModule = join(here, '../../../dist/sim/index.js');
const tmp = mkdtempSync(join(tmpdir(), 'moongate-compare-'));
process.on('exit', () => {
  killAll();
  rmSync(tmp, { recursive: true, force: true });
});

async function measure(build: string, simUrl: string, round: number): Promise<{ usPerRequest: number; faultsPerRequest: number; requests: number; failed: number }> {
  const [root, ...nodeArgs] = build.split('|');
  const config = writeMoongateConfig(join(tmp, `${round}-${builds.indexOf(build)}`), simUrl, await freePort());
  const gateway = startChild('moongate', [moongateCli(root!), 'start', '--config', config.file], {}, nodeArgs);
  try {
    await waitHealthy(`${config.url}/health/live`, performance.now(), gateway);
    const { key } = await gatewayKey(config.url, `compare-${round}`);
    const load = {
      url: `${config.url}/v1/chat/completions`,
      method: 'POST' as const,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body,
      connections: 50,
      overallRate: rate,
    };
    await autocannon({ ...load, duration: 2 });
    const before = cpuSeconds(gateway.proc.pid);
    const faultsBefore = minorFaults(gateway.proc.pid);
    const result = await autocannon({ ...load, duration: seconds });
    const after = cpuSeconds(gateway.proc.pid);
    const faultsAfter = minorFaults(gateway.proc.pid);
    if (before === null || after === null || faultsBefore === null || faultsAfter === null) throw new Error('could not read the gateway’s CPU time and page faults');
    const requests = result.requests.total;
    return { usPerRequest: ((after - before) * 1e6) / requests, faultsPerRequest: (faultsAfter - faultsBefore) / requests, requests, failed: result.errors + result.non2xx };
  } finally {
    await gateway.stop();
  }
}

const sim = startChild('simulator', [join(here, 'sim-server.js'), simModule, '0']);
const simUrl = (await sim.waitFor(/simulator listening on (http:\/\/\S+)/, 10_000))[1]!;
const samples = new Map<string, number[]>(builds.map((b) => [b, []]));
const faultSamples = new Map<string, number[]>(builds.map((b) => [b, []]));
for (let round = 0; round < rounds; round++) {
  for (const build of builds) {
    const m = await measure(build, simUrl, round);
    samples.get(build)!.push(m.usPerRequest);
    faultSamples.get(build)!.push(m.faultsPerRequest);
    console.error(`round ${round + 1}: ${build}: ${m.usPerRequest.toFixed(1)} µs/request, ${m.faultsPerRequest.toFixed(2)} page faults/request (${m.requests} requests, ${m.failed} failed)`);
  }
}
await sim.stop();

const first = median(samples.get(builds[0]!)!);
console.log(`CPU per ${streamTokens === undefined ? 'request' : `stream of ${streamTokens} tokens${tokenDelayMs > 0 ? ` ${tokenDelayMs} ms apart` : ''}`} at ${rate} requests/s, 50 connections, median of ${rounds} alternating rounds:`);
for (const build of builds) {
  const values = samples.get(build)!;
  const m = median(values);
  console.log(`  ${build}: ${m.toFixed(1)} µs (${(m / first).toFixed(3)}× the first) [${values.map((v) => v.toFixed(0)).join(', ')}], ${median(faultSamples.get(build)!).toFixed(2)} minor page faults a request`);
}
