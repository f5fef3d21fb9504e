/**
 * Preloaded into a process under `npm run bench:steps` (`node --import step-probe.js …`): stamps
 * the moments a chat request passes through it, on the clock every process on the machine shares
 * (lib/shared-clock.ts):
 *   request           its server's 'request' event (its headers are parsed; the body may not be read yet)
 *   first_write       the first write (or end) of the answer to that request
 *   upstream_sent     undici wrote a request upstream (its headers)
 *   upstream_headers  undici has the upstream answer's headers
 * On SIGUSR2 it writes what it has stamped since the last signal to MOONGATE_STEP_PROBE_FILE (as
 * JSON, replacing the file) and starts afresh. Only chat requests count: health checks and the
 * simulator's control calls are left out. Benchmark-only: Moongate itself has no such hook.
 */
import { subscribe } from 'node:diagnostics_channel';
import { renameSync, writeFileSync } from 'node:fs';
import { Server, ServerResponse } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { isMainThread } from 'node:worker_threads';
import { sharedClockMs } from './lib/shared-clock.js';
import type { StepStamp, StepStampKind } from './lib/step-chain.js';

const file = process.env.MOONGATE_STEP_PROBE_FILE;
const CHAT = '/chat/completions';
const now = sharedClockMs;

if (isMainThread && file) {
  let stamps: StepStamp[] = [];
  const watched = new WeakSet<ServerResponse>();

  const emit = Server.prototype.emit;
  Server.prototype.emit = function (this: Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'request') {
      const [req, res] = args as [IncomingMessage, ServerResponse];
      if (req.url?.includes(CHAT)) {
        stamps.push(['request', now()]);
        watched.add(res);
      }
    }
    return Reflect.apply(emit, this, [event, ...args]) as boolean;
  } as typeof Server.prototype.emit;

  for (const method of ['write', 'end'] as const) {
    const original = ServerResponse.prototype[method] as (...args: unknown[]) => unknown;
    (ServerResponse.prototype as unknown as Record<string, unknown>)[method] = function (this: ServerResponse, ...args: unknown[]): unknown {
      if (watched.delete(this)) stamps.push(['first_write', now()]);
      return original.apply(this, args);
    };
  }

  const upstream = (kind: StepStampKind) => (message: unknown) => {
    const path = (message as { request?: { path?: string } }).request?.path;
    if (path?.includes(CHAT)) stamps.push([kind, now()]);
  };
  subscribe('undici:client:sendHeaders', upstream('upstream_sent'));
  subscribe('undici:request:headers', upstream('upstream_headers'));

  process.on('SIGUSR2', () => {
    const taken = stamps;
    stamps = [];
    // Whole or not at all: the harness reads the file as soon as it is there.
    writeFileSync(`${file}.part`, JSON.stringify(taken));
    renameSync(`${file}.part`, file);
  });
}
