import type { IncomingHttpHeaders } from 'node:http';
import type { UpstreamPools } from './pool.js';
import { dispatchUpstream } from './dispatch-upstream.js';
import { brokenWhileReading } from './upstream-errors.js';
import { withoutBom } from './without-bom.js';
import type { UpstreamRequest } from './send-request.js';

export interface BufferedUpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The whole body, as text. */
  text: string;
  /** performance.now() when the status line and headers arrived. */
  headersAt: number;
}

/**
 * One POST upstream whose whole answer is wanted at once (JSON answers, error bodies). The body's
 * chunks are collected straight from undici's dispatcher: no Readable stream and no promise per
 * chunk, which `request()` + `body.text()` cost on every non-stream call. Failures before the
 * headers are network errors (502/504, naming the host); a break while reading is a 502.
 */
export function sendBufferedRequest(pools: UpstreamPools, req: UpstreamRequest): Promise<BufferedUpstreamResponse> {
  return new Promise((resolve, reject) => {
    let status = 0;
    let headers: IncomingHttpHeaders = {};
    let headersAt = 0;
    const chunks: Buffer[] = [];
    dispatchUpstream(pools, req, {
      onHeaders(_controller, statusCode, responseHeaders) {
        status = statusCode;
        headers = responseHeaders;
        headersAt = performance.now();
      },
      onData: (chunk) => chunks.push(chunk),
      onEnd() {
        const text = withoutBom(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
        resolve({ status, headers, text, headersAt });
      },
      onBodyError: (err) => reject(brokenWhileReading(req.providerName, err)),
    }).catch(reject);
  });
}
