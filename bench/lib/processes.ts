/** Child processes of the benchmark: spawn, wait until ready, read RSS, stop; and the load worker. */
import { execFileSync, fork, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import type { Job, JobMessage, JobResult, WorkerReply } from './protocol.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Refuses any URL that is not on loopback: the benchmark never talks to another host. */
export function assertLoopback(url: string, what: string): URL {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' || !LOOPBACK.has(parsed.hostname)) {
    throw new Error(`${what} must be an http:// URL on loopback (127.0.0.1, localhost or [::1]), got ${url}`);
  }
  return parsed;
}

export interface Child {
  name: string;
  proc: ChildProcess;
  output(): string;
  /** Resolves with the first match of `pattern` in stdout+stderr, or rejects after `ms`. */
  waitFor(pattern: RegExp, ms: number): Promise<RegExpMatchArray>;
  stop(): Promise<void>;
}

const live = new Set<Child>();

/** Kills every child still running (SIGKILL); for exits on error or Ctrl-C. */
export function killAll(): void {
  for (const child of live) child.proc.kill('SIGKILL');
  live.clear();
}

export function startChild(name: string, args: string[], env: NodeJS.ProcessEnv = {}, nodeArgs: string[] = []): Child {
  const proc = spawn(process.execPath, [...nodeArgs, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const append = (d: Buffer): void => {
    // Keep the beginning (start-up lines) and not more than that: a chatty child must not grow us.
    if (out.length < 64_000) out += d.toString();
  };
  proc.stdout!.on('data', append);
  proc.stderr!.on('data', append);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const child: Child = {
    name,
    proc,
    output: () => out,
    waitFor(pattern, ms) {
      return new Promise((resolve, reject) => {
        const started = Date.now();
        const check = (): void => {
          const match = out.match(pattern);
          if (match) return resolve(match);
          if (proc.exitCode !== null || proc.signalCode !== null) return reject(new Error(`${name} exited (${proc.exitCode ?? proc.signalCode}):\n${out}`));
          if (Date.now() - started > ms) return reject(new Error(`${name}: no ${pattern} within ${ms} ms:\n${out}`));
          setTimeout(check, 5);
        };
        check();
      });
    },
    async stop() {
      live.delete(child);
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
  live.add(child);
  return child;
}

/** A free loopback port (bound and released; a tiny race, fine on a test machine). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** One request on a fresh connection (no keep-alive): control calls, health polls, log queries. */
export function httpRequest(method: 'GET' | 'POST', url: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.end(body);
  });
}

/** Polls `url` every 2 ms until it answers 200; resolves with the time it took from `since`. */
export async function waitHealthy(url: string, since: number, child: Child, timeoutMs = 15_000): Promise<number> {
  for (;;) {
    try {
      const { status } = await httpRequest('GET', url);
      if (status === 200) return performance.now() - since;
    } catch {
      // not listening yet
    }
    if (child.proc.exitCode !== null) throw new Error(`${child.name} exited during start-up:\n${child.output()}`);
    if (performance.now() - since > timeoutMs) throw new Error(`${child.name}: ${url} did not answer within ${timeoutMs} ms:\n${child.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/**
 * Signals a child that has a probe preloaded (heap-probe.js, step-probe.js: they answer SIGUSR2
 * by writing a file) and polls `answer` until it gives what the probe wrote. `what` names it in
 * the error if nothing comes within `timeoutMs`.
 */
export async function askProbe<T>(child: Child, answer: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
  child.proc.kill('SIGUSR2');
  const t0 = performance.now();
  for (;;) {
    const got = answer();
    if (got !== undefined) return got;
    if (performance.now() - t0 > timeoutMs) throw new Error(`${child.name}: no ${what} within ${timeoutMs} ms:\n${child.output()}`);
    await new Promise((done) => setTimeout(done, 10));
  }
}

/**
 * The node flags a running node process was started with: its command line's arguments before
 * `script` (Linux /proc). Read from the process, not from what was asked: a flag dropped on the
 * way would show. Undefined where /proc cannot say.
 */
export function nodeFlagsOf(pid: number | undefined, script: string): string[] | undefined {
  if (pid === undefined) return undefined;
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const at = args.indexOf(script);
    return at > 0 ? args.slice(1, at) : undefined;
  } catch {
    return undefined;
  }
}

/** Resident set size of a process in MB (Linux /proc; `ps` elsewhere); null if unknown. */
export function rssMb(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
    if (kb) return Number(kb) / 1024;
  } catch {
    // not Linux, or gone
  }
  try {
    const kb = Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim());
    return Number.isFinite(kb) && kb > 0 ? kb / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * The fields of /proc/PID/stat after the command name (which is in parentheses and may contain
 * spaces), so that field N of proc(5) is at index N - 3; null if unreadable (not Linux, or gone).
 */
function statFields(pid: number | undefined): string[] | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** CPU time (user + system) a process has used so far, in seconds (Linux /proc); null if unknown. */
export function cpuSeconds(pid: number | undefined): number | null {
  const fields = statFields(pid);
  if (!fields) return null;
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
  return Number.isFinite(ticks) ? ticks / CLOCK_TICKS : null;
}

/**
 * Minor page faults a process has taken so far (Linux /proc); null if unknown. Each is a first
 * touch of a page: ~0.1–0.5 µs on bare metal, 13 µs on some VMs, where they decide what fresh
 * memory costs.
 */
export function minorFaults(pid: number | undefined): number | null {
  const fields = statFields(pid);
  if (!fields) return null;
  const faults = Number(fields[7]); // minflt (field 10)
  return Number.isFinite(faults) ? faults : null;
}

/** USER_HZ: 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;

/** Samples RSS every `everyMs` until stopped; returns the peak in MB. */
export function sampleRss(pid: number | undefined, everyMs = 100): { stop(): number | null } {
  let peak: number | null = rssMb(pid);
  const timer = setInterval(() => {
    const now = rssMb(pid);
    if (now !== null && (peak === null || now > peak)) peak = now;
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      const now = rssMb(pid);
      if (now !== null && (peak === null || now > peak)) peak = now;
      return peak;
    },
  };
}

export interface LoadWorker {
  run<R extends JobResult>(job: Job): Promise<R>;
  close(): Promise<void>;
}

/** Forks the load generator; jobs go over IPC one at a time. */
export function startLoadWorker(script: string): LoadWorker {
  const proc = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let next = 0;
  const pending = new Map<number, { resolve(r: JobResult): void; reject(e: Error): void }>();
  proc.on('message', (reply: WorkerReply) => {
    const waiter = pending.get(reply.id);
    if (!waiter) return;
    pending.delete(reply.id);
    if (reply.ok) waiter.resolve(reply.result);
    else waiter.reject(new Error(`load worker: ${reply.error}`));
  });
  proc.on('exit', (code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`load worker exited (${code})`));
    pending.clear();
  });
  return {
    run<R extends JobResult>(job: Job): Promise<R> {
      const id = ++next;
      return new Promise<R>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (r: JobResult) => void, reject });
        proc.send({ id, job } satisfies JobMessage);
      });
    },
    async close() {
      if (proc.exitCode !== null) return;
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.disconnect();
      const timer = setTimeout(() => proc.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
