import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { MAX_ANSWER_BYTES, answerTooLarge } from './answer-limits.js';
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
 * headers are network errors (502/504, naming the host); a break while reading is a 502, and so
 * is a body larger than `maxBytes` (the connection is closed).
 */
export function sendBufferedRequest(pools: UpstreamPools, req: UpstreamRequest, maxBytes = MAX_ANSWER_BYTES): Promise<BufferedUpstreamResponse> {
  return new Promise((resolve, reject) => {
    let status = 0;
    let headers: IncomingHttpHeaders = {};
    let headersAt = 0;
    const chunks: Buffer[] = [];
    let bytes = 0;
    let controller: Dispatcher.DispatchController | undefined;
    let tooLarge = false;
    dispatchUpstream(pools, req, {
      onHeaders(c, statusCode, responseHeaders) {
        controller = c;
        status = statusCode;
        headers = responseHeaders;
        headersAt = performance.now();
      },
      onData(chunk) {
        if (tooLarge) return;
        bytes += chunk.length;
        if (bytes <= maxBytes) return void chunks.push(chunk);
        tooLarge = true;
        chunks.length = 0;
        const error = answerTooLarge(req.providerName, maxBytes);
        reject(error);
        controller?.abort(error);
      },
      onEnd() {
        if (tooLarge) return;
        const text = withoutBom(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
        resolve({ status, headers, text, headersAt });
      },
      onBodyError: (err) => {
        if (!tooLarge) reject(brokenWhileReading(req.providerName, err));
      },
    }).catch(reject);
  });
}
