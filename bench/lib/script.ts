/**
 * What the bench scripts (run.ts, soak.ts, steps.ts) set up alike: the checkout and its build, a
 * scratch directory removed at exit, progress lines on stderr timed from the start, and every
 * child process stopped on Ctrl-C, on a refused option and on a failure.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem, type as osType } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findRoot } from './checkout.js';
import { moongateCli } from './moongate-setup.js';
import { killAll } from './processes.js';
import { round } from './stats.js';

/** Prints `name: message`, stops the child processes and exits with `code`. */
export function failer(name: string, code: number): (message: string) => never {
  return (message) => {
    console.error(`${name}: ${message}`);
    killAll();
    process.exit(code);
  };
}

export interface BenchScript {
  /** Where the compiled harness is: sim-server.js, load-worker.js and the others beside the script. */
  here: string;
  root: string;
  /** The gateway's CLI, as the checkout's `npm start` runs it. */
  cli: string;
  simModule: string;
  /** A scratch directory, removed when the process exits. */
  tmp: string;
  /** performance.now() when the script began. */
  started: number;
  /** A progress line on stderr, with the seconds since the start. */
  log(text: string): void;
  /** Runs `main`: a failure is printed with its stack, the child processes stopped, and the process exits 1. */
  run(main: () => Promise<void>): void;
  /**
   * Writes a run's results as JSON to `out` or, by default, to bench/results/ as
   * `<prefix>[quick-]<ISO time>.json`; returns the file's path.
   */
  saveResults(results: unknown, prefix: string, quick: boolean, out: string | undefined): string;
}

/** The machine a run measured: in every result's JSON. */
export interface MachineInfo {
  cpus: number;
  cpu_model: string;
  total_mem_gb: number;
  os: string;
  node: string;
  loadavg_start: number[];
  loadavg_end: number[];
}

/** The machine now; `loadStart` is the load average when the run began. */
export function machineInfo(loadStart: number[]): MachineInfo {
  return {
    cpus: cpus().length,
    cpu_model: cpus()[0]?.model.trim() ?? 'unknown',
    total_mem_gb: round(totalmem() / 2 ** 30, 1),
    os: `${osType()} ${release()}`,
    node: process.version,
    loadavg_start: loadStart,
    loadavg_end: loadavg(),
  };
}

/** `scriptUrl`: the script's import.meta.url; `npmCommand`: the command that builds and runs it, for the message if dist/ is missing. */
export function benchScript(name: string, scriptUrl: string, npmCommand: string, fail: (message: string) => never): BenchScript {
  const here = dirname(fileURLToPath(scriptUrl));
  const root = findRoot(here);
  const cli = moongateCli(root);
  const simModule = join(root, 'dist/sim/index.js');
  if (!existsSync(cli) || !existsSync(simModule)) fail(`dist/ is missing: run \`npm run build\` first (\`${npmCommand}\` does).`);
  const tmp = mkdtempSync(join(tmpdir(), `moongate-${name}-`));
  process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
  process.on('SIGINT', () => {
    killAll();
    process.exit(130);
  });
  const started = performance.now();
  return {
    here,
    root,
    cli,
    simModule,
    tmp,
    started,
    log: (text) => void process.stderr.write(`[${name} ${((performance.now() - started) / 1000).toFixed(1)}s] ${text}\n`),
    run: (main) =>
      void main().catch((err: unknown) => {
        console.error(`${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        killAll();
        process.exit(1);
      }),
    saveResults(results, prefix, quick, out) {
      const file = out ? resolve(out) : join(root, 'bench/results', `${prefix}${quick ? 'quick-' : ''}${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
      return file;
    },
  };
}
