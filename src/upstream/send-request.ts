import type { IncomingHttpHeaders } from 'node:http';
import type { UpstreamPools } from './pool.js';
import { dispatchUpstream } from './dispatch-upstream.js';
import { UpstreamBody } from './upstream-body.js';
import type { StopSignal } from './stop-switch.js';

export interface UpstreamRequest {
  baseUrl: string;
  path: string;
  headers: Record<string, string>;
  body: string | Buffer;
  signal: StopSignal;
  timeoutMs: number;
  providerName: string;
  /** Called once the request goes out on a connected socket (not while connecting). */
  onSent?: () => void;
}

export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: UpstreamBody;
}

/**
 * One POST upstream whose body is read as it arrives (streams), fed by undici's dispatcher into
 * an UpstreamBody. Resolves when the headers are in; later failures reach the body's reader.
 */
export async function sendUpstreamRequest(pools: UpstreamPools, req: UpstreamRequest): Promise<UpstreamResponse> {
  let answer: UpstreamResponse | undefined;
  await dispatchUpstream(pools, req, {
    onHeaders: (controller, status, headers) => (answer = { status, headers, body: new UpstreamBody(controller) }),
    onData: (chunk) => answer!.body.push(chunk),
    onEnd: () => answer!.body.end(),
    onBodyError: (err) => answer!.body.fail(err),
  });
  return answer!;
}
