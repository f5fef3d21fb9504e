import type { IncomingMessage, ServerResponse } from 'node:http';

/** Requests whose client sent `Expect: 100-continue` and waits to be invited to send the body. */
const waiting = new WeakMap<IncomingMessage, ServerResponse>();

/**
 * The client waits for "100 Continue" before it sends the body. The invitation is left to the
 * handler that reads the body, after everything it checks first (route, key, the route's own
 * size limit): a request refused before its body is answered without it ever being sent.
 */
export function holdBody(req: IncomingMessage, res: ServerResponse): void {
  waiting.set(req, res);
}

/** The handler is about to read the body: invite it, if the client is waiting for that. */
export function inviteBody(req: IncomingMessage): void {
  const res = waiting.get(req);
  if (res === undefined) return;
  waiting.delete(req);
  if (!res.headersSent && !res.destroyed) res.writeContinue();
}
