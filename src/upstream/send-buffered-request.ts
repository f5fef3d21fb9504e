import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { UpstreamPools } from './pool.js';
import { abortReason, brokenWhileReading, networkError } from './send-request.js';
import type { UpstreamRequest } from './send-request.js';
import { upstreamTarget } from './upstream-target.js';

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
  const target = upstreamTarget(req.baseUrl);
  const { signal } = req;
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(networkError(req.providerName, target.host, abortReason(signal)));
    let controller: Dispatcher.DispatchController | undefined;
    let status = 0;
    let headers: IncomingHttpHeaders | undefined;
    let headersAt = 0;
    const chunks: Buffer[] = [];
    const onAbort = (): void => controller?.abort(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });

    pools.poolFor(target.origin).dispatch(
      {
        method: 'POST',
        path: target.pathPrefix + req.path,
        headers: req.headers,
        body: req.body,
        headersTimeout: req.timeoutMs,
        bodyTimeout: req.timeoutMs,
      },
      {
        onRequestStart(c) {
          controller = c;
          if (signal.aborted) c.abort(abortReason(signal));
        },
        onResponseStart(_c, statusCode, responseHeaders) {
          status = statusCode;
          headers = responseHeaders;
          headersAt = performance.now();
        },
        onResponseData(_c, chunk) {
          chunks.push(chunk);
        },
        onResponseEnd() {
          signal.removeEventListener('abort', onAbort);
          const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
          resolve({ status, headers: headers ?? {}, text, headersAt });
        },
        onResponseError(_c, err) {
          signal.removeEventListener('abort', onAbort);
          reject(headers === undefined ? networkError(req.providerName, target.host, err) : brokenWhileReading(req.providerName, err));
        },
      },
    );
  });
}
