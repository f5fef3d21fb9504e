import type { ServerResponse } from 'node:http';
import { parseFault } from './faults.js';
import type { FaultQueue } from './faults.js';
import type { FixtureStore } from './fixtures.js';
import type { Fault, RecordedRequest, SimStats } from './types.js';

export interface ControlState {
  requests: RecordedRequest[];
  stats: SimStats;
  faults: FaultQueue;
  fixtures: FixtureStore;
  reset(): void;
}

/**
 * /_sim/* — the in-process API over HTTP, for tests and users who run the simulator as a separate
 * process. These calls are neither recorded nor counted in the stats.
 */
export async function handleControl(res: ServerResponse, method: string, path: string, rawBody: string, state: ControlState): Promise<void> {
  const route = `${method} ${path.replace(/\/+$/, '')}`;
  switch (route) {
    case 'GET /_sim/health':
      return reply(res, 200, { ok: true });
    case 'GET /_sim/requests':
      return reply(res, 200, state.requests);
    case 'GET /_sim/stats':
      return reply(res, 200, state.stats);
    case 'GET /_sim/fixtures':
      return reply(res, 200, await state.fixtures.names());
    case 'GET /_sim/faults':
      return reply(res, 200, state.faults.list());
    case 'POST /_sim/faults':
      return postFaults(res, rawBody, state.faults);
    case 'DELETE /_sim/faults':
      state.faults.clear();
      return reply(res, 200, { ok: true });
    case 'POST /_sim/reset':
      state.reset();
      return reply(res, 200, { ok: true });
    default:
      return reply(res, 404, { error: { message: `unknown simulator control route: ${route}`, type: 'resource_not_found_error' } });
  }
}

/** Accepts one fault or an array of faults. */
function postFaults(res: ServerResponse, rawBody: string, faults: FaultQueue): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody);
  } catch {
    return reply(res, 400, { error: { message: 'fault body is not valid JSON', type: 'invalid_request_error' } });
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  const valid: Fault[] = [];
  for (const item of list) {
    const fault = parseFault(item);
    if (typeof fault === 'string') return reply(res, 400, { error: { message: fault, type: 'invalid_request_error' } });
    valid.push(fault);
  }
  for (const fault of valid) faults.push(fault);
  reply(res, 200, { ok: true, queued: faults.size });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}
