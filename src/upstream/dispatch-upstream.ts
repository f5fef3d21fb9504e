import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { UpstreamPools } from './pool.js';
import { bodyForUndici } from './request-body.js';
import { abortReason, networkError } from './upstream-errors.js';
import type { UpstreamRequest } from './send-request.js';
import { upstreamTarget } from './upstream-target.js';

/** What a caller does with an answer as undici's dispatcher delivers it, after its headers. */
export interface AnswerHandler {
  onHeaders(controller: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders): void;
  onData(chunk: Buffer): void;
  onEnd(): void;
  /** The connection broke, timed out or was aborted after the headers came. */
  onBodyError(err: Error): void;
}

/**
 * Sends one POST upstream through undici's dispatcher: the answer's chunks go straight to
 * `handler`, without `request()`'s Readable and a promise per chunk. Resolves when the headers
 * are in; a failure before that (or a signal already pulled) rejects with a 502/504 naming the
 * host. The request's signal aborts the call at any point, the body included.
 */
export function dispatchUpstream(pools: UpstreamPools, req: UpstreamRequest, handler: AnswerHandler): Promise<void> {
  const target = upstreamTarget(req.baseUrl);
  // The callbacks below live as long as the answer: they hold these, not `req`; a large body is
  // let go of once written (request-body.ts).
  const { signal, providerName, onSent } = req;
  const { body, contentLength } = bodyForUndici(req.body);
  const options: Dispatcher.DispatchOptions = {
    method: 'POST',
    path: target.pathPrefix + req.path,
    headers: contentLength === undefined ? req.headers : { ...req.headers, 'content-length': contentLength },
    // undici takes an async iterable body (its Dispatcher docs), though its types do not say so.
    body: body as Dispatcher.DispatchOptions['body'],
    headersTimeout: req.timeoutMs,
    bodyTimeout: req.timeoutMs,
  };
  return new Promise((headersIn, failed) => {
    if (signal.aborted) return failed(networkError(providerName, target.host, abortReason(signal)));
    let controller: Dispatcher.DispatchController | undefined;
    let answered = false;
    const onAbort = (): void => controller?.abort(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });

    pools.poolFor(target.origin).dispatch(
      options,
      {
        // undici calls this as it writes the request on a connected socket: after the connect.
        onRequestStart(c) {
          controller = c;
          if (signal.aborted) c.abort(abortReason(signal));
          else onSent?.();
        },
        onResponseStart(c, statusCode, headers) {
          // undici parsed `headers` from these; left on the controller, their Buffers (and the
          // socket read they are views on) would be held for as long as a stream runs.
          c.rawHeaders = null;
          // An informational answer (103 Early Hints, which a CDN in front may send) comes before
          // the real one, on the same request: it is not the answer.
          if (statusCode < 200) return;
          answered = true;
          handler.onHeaders(c, statusCode, headers);
          headersIn();
        },
        onResponseData(_c, chunk) {
          handler.onData(chunk);
        },
        onResponseEnd() {
          signal.removeEventListener('abort', onAbort);
          handler.onEnd();
        },
        onResponseError(_c, err) {
          signal.removeEventListener('abort', onAbort);
          if (answered) handler.onBodyError(err);
          else failed(networkError(providerName, target.host, err));
        },
      },
    );
  });
}
