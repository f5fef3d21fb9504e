import type { UpstreamResponse } from '../../src/upstream/send-request.js';
import { UpstreamBody } from '../../src/upstream/upstream-body.js';

/** What undici's dispatcher was told to do with a body built by `upstreamResponse`. */
export interface FlowLog {
  paused: number;
  resumed: number;
  aborted: Error[];
}

/**
 * A 200 upstream answer whose body delivers `parts` (one network read each) and then ends, or
 * breaks with `failWith`, as undici's dispatcher would feed it.
 */
export function upstreamResponse(parts: (string | Buffer)[], failWith?: Error): UpstreamResponse & { flow: FlowLog } {
  const flow: FlowLog = { paused: 0, resumed: 0, aborted: [] };
  const body = new UpstreamBody({ pause: () => void flow.paused++, resume: () => void flow.resumed++, abort: (reason) => void flow.aborted.push(reason) });
  for (const part of parts) body.push(typeof part === 'string' ? Buffer.from(part) : part);
  if (failWith) body.fail(failWith);
  else body.end();
  return { status: 200, headers: {}, body, flow };
}
