import { isRecord } from './json.js';
import type { Fault, FaultMatch, SimRegion } from './types.js';

export interface FaultTarget {
  model: string | undefined;
  key: string | undefined;
  region: SimRegion;
}

interface QueuedFault {
  fault: Fault;
  remaining: number;
}

/** Faults queued for upcoming chat requests; the first queued fault that matches is used up first. */
export class FaultQueue {
  private queue: QueuedFault[] = [];

  push(fault: Fault): void {
    const times = fault.times ?? 1;
    if (times > 0) this.queue.push({ fault, remaining: times });
  }

  clear(): void {
    this.queue = [];
  }

  get size(): number {
    return this.queue.length;
  }

  list(): Fault[] {
    return this.queue.map((q) => ({ ...q.fault, times: q.remaining }));
  }

  take(target: FaultTarget): Fault | undefined {
    const i = this.queue.findIndex((q) => matches(q.fault.match, target));
    const entry = this.queue[i];
    if (!entry) return undefined;
    entry.remaining--;
    if (entry.remaining <= 0) this.queue.splice(i, 1);
    return entry.fault;
  }
}

function matches(match: FaultMatch | undefined, target: FaultTarget): boolean {
  if (!match) return true;
  if (match.model !== undefined && match.model !== target.model) return false;
  if (match.key !== undefined && match.key !== target.key) return false;
  if (match.region !== undefined && match.region !== target.region) return false;
  return true;
}

/** Checks a fault posted to the control API; returns an error text or the typed fault. */
export function parseFault(value: unknown): Fault | string {
  if (!isRecord(value)) return 'fault must be a JSON object';
  const numbers = ['status', 'retryAfterSeconds', 'times', 'latencyMs', 'cutAfterChunks'] as const;
  for (const k of numbers) {
    const v = value[k];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) return `${k} must be a non-negative number`;
  }
  for (const k of ['type', 'message'] as const) {
    if (value[k] !== undefined && typeof value[k] !== 'string') return `${k} must be a string`;
  }
  if (value.garbage !== undefined && typeof value.garbage !== 'boolean') return 'garbage must be a boolean';
  const status = value.status as number | undefined;
  if (status !== undefined && (status < 100 || status > 599)) return 'status must be an HTTP status';
  const match = value.match;
  if (match !== undefined) {
    if (!isRecord(match)) return 'match must be an object';
    for (const k of ['model', 'key', 'region'] as const) {
      if (match[k] !== undefined && typeof match[k] !== 'string') return `match.${k} must be a string`;
    }
    if (match.region !== undefined && match.region !== 'global' && match.region !== 'cn') return 'match.region must be global or cn';
  }
  return value as Fault;
}
